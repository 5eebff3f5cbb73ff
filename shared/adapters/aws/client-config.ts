// How the DynamoDB, Step Functions and EventBridge clients are configured, in AWS and locally. With
// an endpoint (a local stand-in) the region defaults to us-east-1 and the credentials to fixed
// placeholders (the stand-ins accept any); without one, the SDK resolves whatever is not given (its
// region resolution, its default credential chain).

export interface AwsClientOptions {
  /** A local stand-in such as DynamoDB Local (`http://127.0.0.1:8000`); absent in AWS. */
  endpoint?: string;
  /** Absent: the SDK's own region resolution (AWS_REGION in Lambda); `us-east-1` with an endpoint. */
  region?: string;
  /** Absent: the SDK's default credential chain in AWS; with an endpoint, fixed placeholder credentials. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** The client configuration for `options` (any SDK v3 client's): only the settings that apply, so the SDK resolves the rest. */
export function awsClientConfig(options: AwsClientOptions = {}): AwsClientOptions {
  if (options.endpoint !== undefined) {
    return {
      endpoint: options.endpoint,
      region: options.region ?? 'us-east-1',
      credentials: options.credentials ?? { accessKeyId: 'local', secretAccessKey: 'local' },
    };
  }
  const config: AwsClientOptions = {};
  if (options.region !== undefined) config.region = options.region;
  if (options.credentials !== undefined) config.credentials = options.credentials;
  return config;
}
