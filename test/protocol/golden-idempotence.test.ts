/**
 * Golden bytes for InitProducerId (22) and DescribeProducers (61):
 * - kafkajs's InitProducerId request encoder (v0, v1) produces bytes our
 *   codec decodes to the values given and re-encodes byte for byte;
 * - our responses decode with kafkajs's decoders (v0, v1) and with
 *   @platformatic/kafka's parsers (InitProducerId v3-5, DescribeProducers v0).
 */
import { ErrorCode } from '../../src/protocol/error-codes';
import { describeProducersResponse, initProducerIdRequest, initProducerIdResponse } from '../../src/protocol/messages';
import { Reader } from '../../src/protocol/primitives';
import { encode, kafkajsDecode, PltCases, platformaticParse, throttle } from './golden-helpers';

const initValue = { throttleTimeMs: 5, errorCode: ErrorCode.NONE, producerId: 9007199254740993n, producerEpoch: 3 };

describe('kafkajs InitProducerId', () => {
  test.each([0, 1])('request v%i decodes and re-encodes byte for byte', async (v) => {
    const build = require(`kafkajs/src/protocol/requests/initProducerId/v${v}/request`);
    for (const transactionalId of [null, 'tx-1']) {
      const bytes: Buffer = (await build({ transactionalId, transactionTimeout: 30000 }).encode()).buffer;
      const value = initProducerIdRequest.decode(new Reader(bytes), v);
      expect(value).toEqual({ transactionalId, transactionTimeoutMs: 30000, producerId: -1n, producerEpoch: -1 });
      expect(encode(initProducerIdRequest, value, v)).toEqual(bytes);
    }
  });

  test.each([0, 1])('our response v%i decodes with kafkajs', async (v) => {
    const got = await kafkajsDecode('initProducerId', v)(encode(initProducerIdResponse, initValue, v));
    expect(got).toEqual({ ...throttle(v, 1, 5), errorCode: 0, producerId: '9007199254740993', producerEpoch: 3 });
  });
});

test('our InitProducerId v3-5 and DescribeProducers v0 responses parse with @platformatic/kafka', () => {
  const { add, cases } = new PltCases();
  for (const v of [3, 4, 5]) {
    add('InitProducerId', `initProducerIdV${v}`, initProducerIdResponse, v, initValue, { ...initValue, producerId: '9007199254740993' });
  }
  const producer = { producerId: 42n, producerEpoch: 2, lastSequence: 17, lastTimestamp: 1700000000000n, coordinatorEpoch: -1, currentTxnStartOffset: -1n };
  const described = {
    throttleTimeMs: 0,
    topics: [{ name: 'topic-a', partitions: [{ partitionIndex: 0, errorCode: 0, errorMessage: null, activeProducers: [producer] }] }],
  };
  add('DescribeProducers', 'describeProducersV0', describeProducersResponse, 0, described, {
    throttleTimeMs: 0,
    topics: [
      {
        name: 'topic-a',
        partitions: [
          {
            partitionIndex: 0,
            errorCode: 0,
            errorMessage: null,
            activeProducers: [{ ...producer, producerId: '42', lastTimestamp: '1700000000000', currentTxnStartOffset: '-1' }],
          },
        ],
      },
    ],
  });
  const results = platformaticParse(cases);
  cases.forEach((c, i) => {
    // these platformatic parsers leave the body's (empty) trailing tagged-field section unread: one byte
    expect({ name: c.name, ...results[i] }).toEqual({ name: c.name, response: c.expected, remaining: 1 });
  });
});
