/**
 * The part of SageMaker's CreateTrainingJob request the studio writes, with the service's own field names, so that the
 * object is passed to `CreateTrainingJobCommand` unchanged (loaders/aws checks it is assignable to the SDK's input type).
 * Isomorphic: no SDK import.
 */

export interface MetricDefinitionField {
  Name: string;
  Regex: string;
}

export interface S3DataSourceField {
  S3DataType: "S3Prefix" | "ManifestFile" | "AugmentedManifestFile";
  S3Uri: string;
  S3DataDistributionType?: "FullyReplicated" | "ShardedByS3Key";
}

export interface ChannelField {
  ChannelName: string;
  DataSource: {S3DataSource: S3DataSourceField};
  ContentType?: string;
  CompressionType?: "None" | "Gzip";
  InputMode?: "File" | "FastFile" | "Pipe";
}

export interface CreateTrainingJobRequest {
  TrainingJobName: string;
  RoleArn: string;
  AlgorithmSpecification: {
    TrainingImage: string;
    TrainingInputMode: "File" | "FastFile" | "Pipe";
    EnableSageMakerMetricsTimeSeries?: boolean;
    MetricDefinitions?: MetricDefinitionField[];
  };
  HyperParameters?: Record<string, string>;
  InputDataConfig?: ChannelField[];
  OutputDataConfig: {S3OutputPath: string; CompressionType?: "GZIP" | "NONE"; KmsKeyId?: string};
  ResourceConfig: {InstanceType: string; InstanceCount: number; VolumeSizeInGB: number};
  StoppingCondition: {MaxRuntimeInSeconds: number; MaxWaitTimeInSeconds?: number};
  CheckpointConfig?: {S3Uri: string; LocalPath?: string};
  EnableManagedSpotTraining?: boolean;
  EnableNetworkIsolation?: boolean;
  EnableInterContainerTrafficEncryption?: boolean;
  Environment?: Record<string, string>;
  RetryStrategy?: {MaximumRetryAttempts: number};
  Tags?: Array<{Key: string; Value: string}>;
}
