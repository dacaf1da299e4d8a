/**
 * The emulator's CloudWatch metrics, speaking what the installed @aws-sdk/client-cloudwatch speaks: awsJson1_0 with
 * awsQueryCompatible (X-Amz-Target GraniteServiceVersion20100801.<Op>, application/x-amz-json-1.0; sagemaker.md §9.1).
 * Points come from the job runner (a job's MetricDefinitions applied to its log lines) and from PutMetricData;
 * GetMetricData buckets them by Period with Average/Minimum/Maximum/Sum/SampleCount; ListMetrics lists them.
 */
import {epochSeconds, readTime, ServiceError} from "./awsJson.js";

interface Point {
  time: number;
  value: number;
}

interface Series {
  namespace: string;
  name: string;
  dimensions: Array<{Name: string; Value: string}>;
  points: Point[];
}

const seriesKey = (namespace: string, name: string, dimensions: ReadonlyArray<{Name: string; Value: string}>) =>
  JSON.stringify([namespace, name, [...dimensions].sort((a, b) => (a.Name < b.Name ? -1 : 1)).map((d) => [d.Name, d.Value])]);

export class MetricsStore {
  private series = new Map<string, Series>();

  put(namespace: string, name: string, dimensions: Array<{Name: string; Value: string}>, value: number, time = Date.now()) {
    const key = seriesKey(namespace, name, dimensions);
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = {namespace, name, dimensions, points: []}));
    series.points.push({time, value});
  }

  handle(operation: string, input: Record<string, any>): unknown {
    switch (operation) {
      case "PutMetricData": {
        if (typeof input.Namespace !== "string" || input.Namespace === "") throw new ServiceError("InvalidParameterValue", "Namespace is required");
        const data = (input.MetricData ?? []) as Array<Record<string, any>>;
        if (data.length > 1000) throw new ServiceError("InvalidParameterValue", "MetricData holds at most 1000 items");
        for (const datum of data) this.put(input.Namespace, String(datum.MetricName), datum.Dimensions ?? [], Number(datum.Value), (readTime(datum.Timestamp, "Timestamp") ?? new Date()).getTime());
        return {};
      }
      case "ListMetrics": {
        const wanted = (input.Dimensions ?? []) as Array<{Name: string; Value?: string}>;
        const metrics = [...this.series.values()]
          .filter((s) => (input.Namespace === undefined || s.namespace === input.Namespace) && (input.MetricName === undefined || s.name === input.MetricName))
          .filter((s) => wanted.every((w) => s.dimensions.some((d) => d.Name === w.Name && (w.Value === undefined || d.Value === w.Value))))
          .map((s) => ({Namespace: s.namespace, MetricName: s.name, Dimensions: s.dimensions}));
        return {Metrics: metrics};
      }
      case "GetMetricData": {
        const queries = (input.MetricDataQueries ?? []) as Array<Record<string, any>>;
        if (queries.length < 1 || queries.length > 500) throw new ServiceError("InvalidParameterValue", "MetricDataQueries must hold 1 to 500 queries");
        const start = readTime(input.StartTime, "StartTime");
        const end = readTime(input.EndTime, "EndTime");
        if (!start || !end || end <= start) throw new ServiceError("InvalidParameterValue", "The parameter EndTime must be greater than StartTime.");
        const ascending = input.ScanBy === "TimestampAscending";
        const results = queries.map((query) => {
          const stat = query.MetricStat;
          if (!stat) throw new ServiceError("InvalidParameterValue", "only MetricStat queries are emulated (no Expression)");
          const period = Number(stat.Period);
          if (!Number.isInteger(period) || period < 1 || (period >= 60 && period % 60 !== 0)) throw new ServiceError("InvalidParameterValue", "The parameter Period must be 1, 5, 10, 30 or a multiple of 60.");
          const metric = stat.Metric ?? {};
          const series = this.series.get(seriesKey(metric.Namespace, metric.MetricName, metric.Dimensions ?? []));
          const buckets = new Map<number, number[]>();
          for (const point of series?.points ?? []) {
            if (point.time < start.getTime() || point.time >= end.getTime()) continue;
            const bucket = start.getTime() + Math.floor((point.time - start.getTime()) / (period * 1000)) * period * 1000;
            buckets.set(bucket, [...(buckets.get(bucket) ?? []), point.value]);
          }
          const times = [...buckets.keys()].sort((a, b) => (ascending ? a - b : b - a));
          const reduce = (values: number[]): number => {
            switch (stat.Stat) {
              case "Average":
                return values.reduce((a, b) => a + b, 0) / values.length;
              case "Sum":
                return values.reduce((a, b) => a + b, 0);
              case "Minimum":
                return Math.min(...values);
              case "Maximum":
                return Math.max(...values);
              case "SampleCount":
                return values.length;
              default:
                throw new ServiceError("InvalidParameterValue", `Stat ${stat.Stat} is not emulated (Average, Sum, Minimum, Maximum, SampleCount)`);
            }
          };
          return {Id: query.Id, Label: query.Label ?? metric.MetricName, Timestamps: times.map((t) => epochSeconds(t)), Values: times.map((t) => reduce(buckets.get(t)!)), StatusCode: "Complete"};
        });
        return {MetricDataResults: results, Messages: []};
      }
      default:
        throw new ServiceError("UnknownOperationException", `CloudWatch ${operation} is not emulated`);
    }
  }
}
