/**
 * The registry of supported messages: one compiled codec per request and
 * response, by API key, with a type alias for each decoded message.
 */
import { MessageCodec, codec } from '../codec';
import { MessageSpec, ValueOf } from '../schema';
import { ProduceRequest, ProduceResponse } from './00-produce';
import { FetchRequest, FetchResponse } from './01-fetch';
import { ListOffsetsRequest, ListOffsetsResponse } from './02-list-offsets';
import { MetadataRequest, MetadataResponse } from './03-metadata';
import { ApiVersionsRequest, ApiVersionsResponse } from './18-api-versions';
import { CreateTopicsRequest, CreateTopicsResponse } from './19-create-topics';
import { DeleteTopicsRequest, DeleteTopicsResponse } from './20-delete-topics';

export {
  ProduceRequest,
  ProduceResponse,
  FetchRequest,
  FetchResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  MetadataRequest,
  MetadataResponse,
  ApiVersionsRequest,
  ApiVersionsResponse,
  CreateTopicsRequest,
  CreateTopicsResponse,
  DeleteTopicsRequest,
  DeleteTopicsResponse,
};

export const produceRequest = codec(ProduceRequest);
export const produceResponse = codec(ProduceResponse);
export const fetchRequest = codec(FetchRequest);
export const fetchResponse = codec(FetchResponse);
export const listOffsetsRequest = codec(ListOffsetsRequest);
export const listOffsetsResponse = codec(ListOffsetsResponse);
export const metadataRequest = codec(MetadataRequest);
export const metadataResponse = codec(MetadataResponse);
export const apiVersionsRequest = codec(ApiVersionsRequest);
export const apiVersionsResponse = codec(ApiVersionsResponse);
export const createTopicsRequest = codec(CreateTopicsRequest);
export const createTopicsResponse = codec(CreateTopicsResponse);
export const deleteTopicsRequest = codec(DeleteTopicsRequest);
export const deleteTopicsResponse = codec(DeleteTopicsResponse);

export type ProduceRequestValue = ValueOf<typeof ProduceRequest>;
export type ProduceResponseValue = ValueOf<typeof ProduceResponse>;
export type FetchRequestValue = ValueOf<typeof FetchRequest>;
export type FetchResponseValue = ValueOf<typeof FetchResponse>;
export type ListOffsetsRequestValue = ValueOf<typeof ListOffsetsRequest>;
export type ListOffsetsResponseValue = ValueOf<typeof ListOffsetsResponse>;
export type MetadataRequestValue = ValueOf<typeof MetadataRequest>;
export type MetadataResponseValue = ValueOf<typeof MetadataResponse>;
export type ApiVersionsRequestValue = ValueOf<typeof ApiVersionsRequest>;
export type ApiVersionsResponseValue = ValueOf<typeof ApiVersionsResponse>;
export type CreateTopicsRequestValue = ValueOf<typeof CreateTopicsRequest>;
export type CreateTopicsResponseValue = ValueOf<typeof CreateTopicsResponse>;
export type DeleteTopicsRequestValue = ValueOf<typeof DeleteTopicsRequest>;
export type DeleteTopicsResponseValue = ValueOf<typeof DeleteTopicsResponse>;

/** A request codec and its response codec. */
export interface MessagePair {
  readonly request: MessageCodec<MessageSpec>;
  readonly response: MessageCodec<MessageSpec>;
}

/** apiKey → codecs, for every API this broker speaks. */
export const MESSAGES = {
  0: { request: produceRequest, response: produceResponse },
  1: { request: fetchRequest, response: fetchResponse },
  2: { request: listOffsetsRequest, response: listOffsetsResponse },
  3: { request: metadataRequest, response: metadataResponse },
  18: { request: apiVersionsRequest, response: apiVersionsResponse },
  19: { request: createTopicsRequest, response: createTopicsResponse },
  20: { request: deleteTopicsRequest, response: deleteTopicsResponse },
} as const satisfies { readonly [apiKey: number]: MessagePair };

export type ApiKeyWithMessages = keyof typeof MESSAGES;

/** The codecs for an API key, or undefined when the broker does not speak it. */
export function messagesFor(apiKey: number): MessagePair | undefined {
  return Object.prototype.hasOwnProperty.call(MESSAGES, apiKey) ? (MESSAGES as Record<number, MessagePair>)[apiKey] : undefined;
}
