// The package ships no declarations for its entry point: what the OTLP end-to-end test uses.
declare module '@elastic/mockotlpserver' {
  export interface MockOtlpServerOptions {
    services?: Array<'http' | 'grpc' | 'ui'>;
    httpHostname?: string;
    /** 0 picks a free port. */
    httpPort?: number;
    logLevel?: string;
    onTrace?: (trace: unknown) => void;
    onMetrics?: (metrics: unknown) => void;
  }
  export class MockOtlpServer {
    constructor(options?: MockOtlpServerOptions);
    /** e.g. `http://127.0.0.1:4318/`, once started. */
    httpUrl: string | null;
    start(): Promise<void>;
    close(): Promise<void>;
  }
  /** Attributes as a mapping, ids in hex, enums as names, longs as strings. */
  export function normalizeTrace(trace: unknown): unknown;
  export function normalizeMetrics(metrics: unknown): unknown;
}
