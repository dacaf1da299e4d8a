/**
 * The emulator's CloudWatch Logs (awsJson1_1, target prefix Logs_20140328): log groups and streams in memory, written by
 * the job runner and by PutLogEvents, read with DescribeLogStreams, GetLogEvents (forward/backward tokens; the same
 * forward token comes back once there is nothing new, as the SDKs expect) and FilterLogEvents (plain-term filter).
 */
import {ServiceError} from "./awsJson.js";

export interface StoredEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

interface Stream {
  name: string;
  creationTime: number;
  events: StoredEvent[];
}

const MAX_EVENTS_PER_CALL = 10_000;

export class LogsStore {
  private groups = new Map<string, {creationTime: number; streams: Map<string, Stream>}>();

  createGroup(name: string): boolean {
    if (this.groups.has(name)) return false;
    this.groups.set(name, {creationTime: Date.now(), streams: new Map()});
    return true;
  }

  createStream(group: string, name: string) {
    this.createGroup(group);
    const streams = this.groups.get(group)!.streams;
    if (!streams.has(name)) streams.set(name, {name, creationTime: Date.now(), events: []});
  }

  append(group: string, stream: string, messages: readonly string[], timestamp = Date.now()) {
    this.createStream(group, stream);
    const target = this.groups.get(group)!.streams.get(stream)!;
    const last = target.events[target.events.length - 1]?.timestamp ?? 0;
    for (const message of messages) target.events.push({timestamp: Math.max(timestamp, last), message, ingestionTime: Date.now()});
  }

  /** Every message of every stream whose name starts with `prefix` (tests, job summaries). */
  messages(group: string, prefix = ""): Array<{stream: string; message: string}> {
    const streams = this.groups.get(group)?.streams;
    if (!streams) return [];
    return [...streams.values()].filter((s) => s.name.startsWith(prefix)).flatMap((s) => s.events.map((e) => ({stream: s.name, message: e.message})));
  }

  private group(name: unknown) {
    const group = typeof name === "string" ? this.groups.get(name) : undefined;
    if (!group) throw new ServiceError("ResourceNotFoundException", "The specified log group does not exist.");
    return group;
  }

  handle(operation: string, input: Record<string, any>): unknown {
    switch (operation) {
      case "CreateLogGroup":
        if (!this.createGroup(String(input.logGroupName ?? ""))) throw new ServiceError("ResourceAlreadyExistsException", "The specified log group already exists");
        return {};
      case "CreateLogStream": {
        const group = this.group(input.logGroupName);
        if (group.streams.has(input.logStreamName)) throw new ServiceError("ResourceAlreadyExistsException", "The specified log stream already exists");
        this.createStream(input.logGroupName, String(input.logStreamName));
        return {};
      }
      case "PutLogEvents": {
        const group = this.group(input.logGroupName);
        const stream = group.streams.get(input.logStreamName);
        if (!stream) throw new ServiceError("ResourceNotFoundException", "The specified log stream does not exist.");
        const events = (input.logEvents ?? []) as Array<{timestamp: number; message: string}>;
        if (events.length === 0 || events.length > 10_000) throw new ServiceError("InvalidParameterException", "logEvents must hold 1 to 10000 events");
        for (const event of events) stream.events.push({timestamp: event.timestamp, message: event.message, ingestionTime: Date.now()});
        return {nextSequenceToken: String(stream.events.length)};
      }
      case "DescribeLogStreams": {
        const group = this.group(input.logGroupName);
        const prefix = typeof input.logStreamNamePrefix === "string" ? input.logStreamNamePrefix : "";
        const all = [...group.streams.values()].filter((s) => s.name.startsWith(prefix)).sort((a, b) => (a.name < b.name ? -1 : 1));
        const start = input.nextToken ? Number(input.nextToken) : 0;
        const limit = Math.min(50, Number(input.limit ?? 50));
        const page = all.slice(start, start + limit);
        return {
          logStreams: page.map((s) => ({
            logStreamName: s.name,
            creationTime: s.creationTime,
            firstEventTimestamp: s.events[0]?.timestamp,
            lastEventTimestamp: s.events[s.events.length - 1]?.timestamp,
            lastIngestionTime: s.events[s.events.length - 1]?.ingestionTime,
            arn: `arn:aws:logs:us-east-1:000000000000:log-group:${input.logGroupName}:log-stream:${s.name}`,
            storedBytes: 0
          })),
          ...(start + limit < all.length ? {nextToken: String(start + limit)} : {})
        };
      }
      case "GetLogEvents": {
        const group = this.group(input.logGroupName);
        const stream = group.streams.get(input.logStreamName);
        if (!stream) throw new ServiceError("ResourceNotFoundException", "The specified log stream does not exist.");
        const limit = Math.min(MAX_EVENTS_PER_CALL, Number(input.limit ?? MAX_EVENTS_PER_CALL));
        const token = typeof input.nextToken === "string" ? input.nextToken : null;
        const size = stream.events.length;
        let from: number;
        let to: number;
        if (token?.startsWith("b/")) {
          to = Math.max(0, Number(token.slice(2)));
          from = Math.max(0, to - limit);
        } else if (token?.startsWith("f/")) {
          from = Math.min(size, Number(token.slice(2)));
          to = Math.min(size, from + limit);
        } else if (token) throw new ServiceError("InvalidParameterException", "The specified nextToken is invalid.");
        else if (input.startFromHead) {
          from = 0;
          to = Math.min(size, limit);
        } else {
          to = size;
          from = Math.max(0, size - limit);
        }
        return {
          events: stream.events.slice(from, to).map((e) => ({timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime})),
          nextForwardToken: `f/${String(to).padStart(20, "0")}`,
          nextBackwardToken: `b/${String(from).padStart(20, "0")}`
        };
      }
      case "FilterLogEvents": {
        const group = this.group(input.logGroupName);
        const prefix = typeof input.logStreamNamePrefix === "string" ? input.logStreamNamePrefix : "";
        const terms = typeof input.filterPattern === "string" ? [...input.filterPattern.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!) : [];
        const events = [...group.streams.values()]
          .filter((s) => s.name.startsWith(prefix))
          .flatMap((s) => s.events.map((e, index) => ({...e, logStreamName: s.name, eventId: `${s.name}:${index}`})))
          .filter((e) => terms.every((term) => e.message.includes(term)))
          .filter((e) => (input.startTime === undefined || e.timestamp >= input.startTime) && (input.endTime === undefined || e.timestamp <= input.endTime))
          .sort((a, b) => a.timestamp - b.timestamp);
        const start = input.nextToken ? Number(input.nextToken) : 0;
        const limit = Math.min(MAX_EVENTS_PER_CALL, Number(input.limit ?? MAX_EVENTS_PER_CALL));
        return {
          events: events.slice(start, start + limit).map(({logStreamName, timestamp, message, ingestionTime, eventId}) => ({logStreamName, timestamp, message, ingestionTime, eventId})),
          ...(start + limit < events.length ? {nextToken: String(start + limit)} : {})
        };
      }
      default:
        throw new ServiceError("UnknownOperationException", `Logs ${operation} is not emulated`);
    }
  }
}
