/** How dates, sizes and amounts read in France: Europe/Paris time, French separators. */
const dateTime = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' });

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '—' : dateTime.format(date);
}

const number = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} o`;
  if (bytes < 1024 ** 2) return `${number.format(bytes / 1024)} Ko`;
  if (bytes < 1024 ** 3) return `${number.format(bytes / 1024 ** 2)} Mo`;
  return `${number.format(bytes / 1024 ** 3)} Go`;
}

const money = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' });

export function euros(cents: number): string {
  return money.format(cents / 100);
}
