// Connections to Temporal for the API (client) and the worker (native connection).
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

export async function connectClient(address: string, namespace: string): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({
    address,
    // The API answers 503 when Temporal is unreachable instead of retrying a refused connection for ~20 s
    // (the SDK's default budget): about 2 s of retries, then the error reaches the client.
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 5 }))],
    // Reconnect within seconds once Temporal is back (gRPC's default backoff grows to two minutes).
    channelArgs: { 'grpc.max_reconnect_backoff_ms': 3_000 },
  });
  return { client: new Client({ connection, namespace }), close: () => connection.close() };
}

export function connectWorker(address: string): Promise<NativeConnection> {
  return NativeConnection.connect({ address });
}
