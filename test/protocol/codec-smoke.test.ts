import { codec } from '../../src/protocol/codec';
import { Reader } from '../../src/protocol/primitives';
import { ApiVersionsResponse } from '../../src/protocol/messages/18-api-versions';

test('api versions response round trip', () => {
  const c = codec(ApiVersionsResponse);
  for (let v = 0; v <= 4; v++) {
    const value = { ...c.defaults(v), errorCode: 0, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }], throttleTimeMs: v >= 1 ? 5 : 0, finalizedFeaturesEpoch: v >= 3 ? 7n : -1n };
    const buf = c.encode(value, v);
    const back = c.decode(new Reader(buf), v);
    expect(back).toEqual(value);
    const n: number = back.apiKeys[0].maxVersion; // type inference check
    expect(n).toBe(4);
  }
});
