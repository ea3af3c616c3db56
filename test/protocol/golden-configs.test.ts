/**
 * Golden bytes for the config APIs (DescribeConfigs 32, AlterConfigs 33,
 * IncrementalAlterConfigs 44):
 * - kafkajs's own request encoders (DescribeConfigs v1-2, AlterConfigs
 *   v0-1) produce bytes our codec decodes to what kafkajs was given, and
 *   re-encodes byte for byte;
 * - a hand-assembled IncrementalAlterConfigs v0 request (no client here
 *   speaks v0 without flexible encoding) decodes field by field;
 * - our responses decode with kafkajs's decoders and @platformatic/kafka's
 *   parsers (DescribeConfigs v3/v4, AlterConfigs v2,
 *   IncrementalAlterConfigs v1) to the values we encoded.
 */
import {
  alterConfigsRequest,
  alterConfigsResponse,
  describeConfigsRequest,
  describeConfigsResponse,
  incrementalAlterConfigsRequest,
  incrementalAlterConfigsResponse,
  messagesFor,
} from '../../src/protocol/messages';
import { Reader } from '../../src/protocol/primitives';
import { Obj, PltCases, encode, kafkajsDecode, platformaticParse, throttle } from './golden-helpers';

async function kafkajsRequest(api: string, version: number, args: Obj): Promise<Buffer> {
  const make = require(`kafkajs/src/protocol/requests/${api}/v${version}/request`);
  const encoder = await make(args).encode();
  return encoder.buffer as Buffer;
}

describe('kafkajs requests decode and re-encode', () => {
  test.each([1, 2])('DescribeConfigs v%i', async (v) => {
    const buf = await kafkajsRequest('describeConfigs', v, {
      resources: [
        { type: 2, name: 'topic-a', configNames: ['retention.ms', 'cleanup.policy'] },
        { type: 4, name: '1', configNames: [] }, // kafkajs writes an empty list as null (all configs)
      ],
      includeSynonyms: true,
    });
    const got = describeConfigsRequest.decode(new Reader(buf), v);
    expect(got).toEqual({
      resources: [
        { resourceType: 2, resourceName: 'topic-a', configurationKeys: ['retention.ms', 'cleanup.policy'] },
        { resourceType: 4, resourceName: '1', configurationKeys: null },
      ],
      includeSynonyms: true,
      includeDocumentation: false,
    });
    expect(describeConfigsRequest.encode(got, v)).toEqual(buf);
  });

  test.each([0, 1])('AlterConfigs v%i', async (v) => {
    const buf = await kafkajsRequest('alterConfigs', v, {
      resources: [{ type: 2, name: 'topic-a', configEntries: [{ name: 'retention.ms', value: '1000' }, { name: 'cleanup.policy', value: 'compact,delete' }] }],
      validateOnly: true,
    });
    const got = alterConfigsRequest.decode(new Reader(buf), v);
    expect(got).toEqual({
      resources: [
        {
          resourceType: 2,
          resourceName: 'topic-a',
          configs: [
            { name: 'retention.ms', value: '1000' },
            { name: 'cleanup.policy', value: 'compact,delete' },
          ],
        },
      ],
      validateOnly: true,
    });
    expect(alterConfigsRequest.encode(got, v)).toEqual(buf);
  });
});

test('IncrementalAlterConfigs v0 request, byte by byte', () => {
  const hex = [
    '00000001', // resources: 1
    '02', '0001', '74', // TOPIC "t"
    '00000002', // configs: 2
    '0001', '61', '02', '0001', '78', // "a" APPEND "x"
    '0001', '62', '01', 'ffff', // "b" DELETE null
    '01', // validateOnly
  ].join('');
  const buf = Buffer.from(hex, 'hex');
  const got = incrementalAlterConfigsRequest.decode(new Reader(buf), 0);
  expect(got).toEqual({
    resources: [
      {
        resourceType: 2,
        resourceName: 't',
        configs: [
          { name: 'a', configOperation: 2, value: 'x' },
          { name: 'b', configOperation: 1, value: null },
        ],
      },
    ],
    validateOnly: true,
  });
  expect(incrementalAlterConfigsRequest.encode(got, 0).toString('hex')).toBe(hex);
});

const describeValue = {
  throttleTimeMs: 7,
  results: [
    {
      errorCode: 0,
      errorMessage: null,
      resourceType: 2,
      resourceName: 'topic-a',
      configs: [
        {
          name: 'retention.ms',
          value: '1000',
          readOnly: false,
          configSource: 1,
          isSensitive: false,
          synonyms: [
            { name: 'retention.ms', value: '1000', source: 1 },
            { name: 'log.retention.hours', value: '168', source: 5 },
          ],
          configType: 5,
          documentation: 'How long a segment is kept.',
        },
        { name: 'cleanup.policy', value: 'delete', readOnly: false, configSource: 5, isSensitive: false, synonyms: [], configType: 7, documentation: null },
      ],
    },
    { errorCode: 3, errorMessage: null, resourceType: 2, resourceName: 'missing', configs: [] },
  ],
};

describe('our responses decode with kafkajs', () => {
  test.each([1, 2])('DescribeConfigs v%i', async (v) => {
    const got = await kafkajsDecode('describeConfigs', v)(encode(describeConfigsResponse, describeValue, v));
    expect(got).toEqual({
      ...throttle(v, 2, 7),
      resources: describeValue.results.map((r) => ({
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        resourceType: r.resourceType,
        resourceName: r.resourceName,
        configEntries: r.configs.map((c) => ({
          configName: c.name,
          configValue: c.value,
          readOnly: c.readOnly,
          isDefault: c.configSource === 5,
          configSource: c.configSource,
          isSensitive: c.isSensitive,
          configSynonyms: c.synonyms.map((s) => ({ configName: s.name, configValue: s.value, configSource: s.source })),
        })),
      })),
    });
  });

  test.each([0, 1])('AlterConfigs v%i', async (v) => {
    const value = {
      throttleTimeMs: 3,
      responses: [
        { errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'topic-a' },
        { errorCode: 40, errorMessage: 'Unknown topic config name: nope', resourceType: 2, resourceName: 'topic-b' },
      ],
    };
    const decode = kafkajsDecode('alterConfigs', v);
    const got = await decode(encode(alterConfigsResponse, value, v));
    expect(got).toMatchObject({
      resources: value.responses.map((r) => ({ errorCode: r.errorCode, errorMessage: r.errorMessage, resourceType: r.resourceType, resourceName: r.resourceName })),
    });
  });
});

describe('our responses decode with @platformatic/kafka', () => {
  const plt = new PltCases();
  for (const v of [3, 4]) plt.add('DescribeConfigs', `describeConfigsV${v}`, describeConfigsResponse, v, { ...describeValue, results: [describeValue.results[0]] }, { ...describeValue, results: [describeValue.results[0]] });
  const alterValue = { throttleTimeMs: 0, responses: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'topic-a' }] };
  plt.add('AlterConfigs', 'alterConfigsV2', alterConfigsResponse, 2, alterValue, alterValue);
  plt.add('IncrementalAlterConfigs', 'incrementalAlterConfigsV1', incrementalAlterConfigsResponse, 1, alterValue, alterValue);
  let results: Obj[] = [];
  beforeAll(() => {
    results = platformaticParse(plt.cases);
  });
  test.each(plt.cases.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const got = results[i];
    expect(got.error).toBeUndefined();
    // Flexible bodies: platformatic's parsers leave the body's own (empty) tagged-field count.
    expect(got.remaining).toBe(messagesFor(plt.cases[i].apiKey)!.response.isFlexible(plt.cases[i].version) ? 1 : 0);
    expect(got.response).toEqual(plt.cases[i].expected);
  });
});
