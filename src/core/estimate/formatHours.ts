/** A duration in hours as people read it (seconds, minutes, hours, days); the CLI's plan view and the Config page share it. */
export function formatHours(hours: number): string {
  if (hours >= 48) return `${(hours / 24).toFixed(1)} days`;
  if (hours >= 1) return `${hours.toFixed(1)} h`;
  return hours * 60 >= 1 ? `${Math.round(hours * 60)} min` : `${Math.max(1, Math.round(hours * 3600))} s`;
}
