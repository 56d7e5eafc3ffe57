/** The Redis URL of queue mode, checked before any connection (no client loaded: experiment files check it on load). */
export function checkRedisUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--queue: '${url}' is not a URL; expected redis://host:port/db`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`--queue: '${url}' has protocol ${u.protocol}; expected redis://host:port/db`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new Error(`--queue: '${url}' names database '${db}'; expected a number (redis://host:port/0)`);
}
