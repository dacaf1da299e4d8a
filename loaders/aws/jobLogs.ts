/**
 * A training job's output as SageMaker publishes it (sagemaker.md §6): CloudWatch Logs group /aws/sagemaker/TrainingJobs,
 * one stream per host named <job>/algo-<n>-<epoch seconds>, read forward with GetLogEvents tokens (the way the SageMaker
 * Python SDK tails a job); and the MetricDefinitions' series through CloudWatch GetMetricData. Nothing prints.
 */
import {GetMetricDataCommand} from "@aws-sdk/client-cloudwatch";
import {DescribeLogStreamsCommand, GetLogEventsCommand} from "@aws-sdk/client-cloudwatch-logs";
import type {AwsClients} from "./clients.js";
import {isAwsError, withBackoff} from "./awsErrors.js";

export const TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs";
export const TRAINING_METRIC_NAMESPACE = "/aws/sagemaker/TrainingJobs";

export interface LogEvent {
  timestamp: number;
  message: string;
}

export interface LogStreamChunk {
  stream: string;
  /** "algo-1" for "<job>/algo-1-1700000000". */
  host: string;
  events: LogEvent[];
}

/** Where each stream's reading stopped; pass it back to read only what is new. */
export type LogCursor = Record<string, string>;

export interface ReadLogsResult {
  streams: LogStreamChunk[];
  cursor: LogCursor;
}

/** The log streams of a job, sorted (one per host: <job>/algo-<n>-<epoch seconds>); none before a host writes. */
export async function listJobStreams(clients: AwsClients, jobName: string): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await withBackoff({action: "logs:DescribeLogStreams", resource: `${TRAINING_LOG_GROUP}/${jobName}`}, () =>
        clients.logs.send(new DescribeLogStreamsCommand({logGroupName: TRAINING_LOG_GROUP, logStreamNamePrefix: `${jobName}/`, nextToken: token}))
      );
      for (const stream of page.logStreams ?? []) if (stream.logStreamName) names.push(stream.logStreamName);
      token = page.nextToken;
    } while (token);
  } catch (error) {
    if (isAwsError(error, "not-found")) return []; // no log group yet
    throw error;
  }
  return names.sort();
}

/** "algo-1" for "<job>/algo-1-1700000000". */
export const hostOfStream = (stream: string) => /\/(algo-\d+)-\d+$/.exec(stream)?.[1] ?? stream;

/** The last `count` lines of each host (GetLogEvents from the tail), for a failed or stopped job's view. */
export async function readLastLogLines(clients: AwsClients, jobName: string, count = 10): Promise<Array<{host: string; message: string}>> {
  const lines: Array<{host: string; message: string}> = [];
  for (const stream of await listJobStreams(clients, jobName)) {
    const page = await withBackoff({action: "logs:GetLogEvents", resource: stream}, () =>
      clients.logs.send(new GetLogEventsCommand({logGroupName: TRAINING_LOG_GROUP, logStreamName: stream, startFromHead: false, limit: count}))
    );
    for (const event of page.events ?? []) lines.push({host: hostOfStream(stream), message: event.message ?? ""});
  }
  return lines;
}

/** New log events of every host of a job since `cursor` (all of them without one). Streams appear once a host writes. */
export async function readJobLogs(clients: AwsClients, jobName: string, cursor: LogCursor = {}, options: {limitPerCall?: number; maxCallsPerStream?: number} = {}): Promise<ReadLogsResult> {
  const names = await listJobStreams(clients, jobName);
  const next: LogCursor = {...cursor};
  const streams: LogStreamChunk[] = [];
  for (const stream of names) {
    const events: LogEvent[] = [];
    let forward = cursor[stream];
    for (let call = 0; call < (options.maxCallsPerStream ?? 100); call++) {
      const page = await withBackoff({action: "logs:GetLogEvents", resource: stream}, () =>
        clients.logs.send(
          new GetLogEventsCommand({logGroupName: TRAINING_LOG_GROUP, logStreamName: stream, startFromHead: true, limit: options.limitPerCall ?? 10_000, ...(forward ? {nextToken: forward} : {})})
        )
      );
      for (const event of page.events ?? []) events.push({timestamp: event.timestamp ?? 0, message: event.message ?? ""});
      const same = page.nextForwardToken === forward;
      forward = page.nextForwardToken ?? forward;
      if (same || (page.events ?? []).length === 0) break;
    }
    if (forward) next[stream] = forward;
    streams.push({stream, host: hostOfStream(stream), events});
  }
  return {streams, cursor: next};
}

export interface MetricSeries {
  metric: string;
  timestamps: string[];
  values: number[];
}

/** The job's metric series (averaged per period) between start and end. */
export async function getJobMetrics(clients: AwsClients, jobName: string, metricNames: readonly string[], window: {start: Date; end: Date; periodSeconds?: number}): Promise<MetricSeries[]> {
  if (metricNames.length === 0) return [];
  const queries = metricNames.map((name, index) => ({
    Id: `m${index}`,
    Label: name,
    MetricStat: {Metric: {Namespace: TRAINING_METRIC_NAMESPACE, MetricName: name, Dimensions: [{Name: "TrainingJobName", Value: jobName}]}, Period: window.periodSeconds ?? 60, Stat: "Average"},
    ReturnData: true
  }));
  const series = new Map<string, MetricSeries>(metricNames.map((name) => [name, {metric: name, timestamps: [], values: []}]));
  let token: string | undefined;
  do {
    const page = await withBackoff({action: "cloudwatch:GetMetricData", resource: jobName}, () =>
      clients.cloudwatch.send(new GetMetricDataCommand({MetricDataQueries: queries, StartTime: window.start, EndTime: window.end, ScanBy: "TimestampAscending", NextToken: token}))
    );
    for (const result of page.MetricDataResults ?? []) {
      const target = series.get(metricNames[Number((result.Id ?? "m-1").slice(1))] ?? "");
      if (!target) continue;
      (result.Timestamps ?? []).forEach((time, i) => {
        target.timestamps.push(time.toISOString());
        target.values.push(result.Values?.[i] ?? Number.NaN);
      });
    }
    token = page.NextToken;
  } while (token);
  return [...series.values()];
}
