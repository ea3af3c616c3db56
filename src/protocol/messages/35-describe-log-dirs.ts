/**
 * DescribeLogDirs (key 35), versions 1-4; flexible from 2.
 * Mirrors DescribeLogDirsRequest.json / DescribeLogDirsResponse.json
 * (Kafka 4.x serves 1-4; v0 was removed, KIP-896).
 *
 * Version notes: v1 is v0 (throttling, KIP-219); v2 flexible; v3 adds the
 * top-level errorCode; v4 totalBytes / usableBytes of the volume (KIP-827).
 */
import { MessageSpec } from '../schema';

export const DescribeLogDirsRequest = {
  name: 'DescribeLogDirsRequest',
  apiKey: 35,
  type: 'request',
  validVersions: '1-4',
  flexibleVersions: '2+',
  fields: [
    {
      name: 'topics',
      type: '[]DescribableLogDirTopic',
      versions: '0+',
      nullableVersions: '0+',
      fields: [
        { name: 'topic', type: 'string', versions: '0+' },
        { name: 'partitions', type: '[]int32', versions: '0+' },
      ],
    },
  ],
} as const satisfies MessageSpec;

export const DescribeLogDirsResponse = {
  name: 'DescribeLogDirsResponse',
  apiKey: 35,
  type: 'response',
  validVersions: '1-4',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '3+' },
    {
      name: 'results',
      type: '[]DescribeLogDirsResult',
      versions: '0+',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'logDir', type: 'string', versions: '0+' },
        {
          name: 'topics',
          type: '[]DescribeLogDirsTopic',
          versions: '0+',
          fields: [
            { name: 'name', type: 'string', versions: '0+' },
            {
              name: 'partitions',
              type: '[]DescribeLogDirsPartition',
              versions: '0+',
              fields: [
                { name: 'partitionIndex', type: 'int32', versions: '0+' },
                { name: 'partitionSize', type: 'int64', versions: '0+' },
                { name: 'offsetLag', type: 'int64', versions: '0+' },
                { name: 'isFutureKey', type: 'bool', versions: '0+' },
              ],
            },
          ],
        },
        { name: 'totalBytes', type: 'int64', versions: '4+', default: '-1' },
        { name: 'usableBytes', type: 'int64', versions: '4+', default: '-1' },
      ],
    },
  ],
} as const satisfies MessageSpec;
