/** The paths of the inspector under `inspector.path` (a trailing slash is ignored). */
export function inspectorPaths(path: string): { page: string; json: string; suspects: string; changes: string; fleet: string } {
  const base = path.replace(/\/+$/, '');
  return {
    page: base === '' ? '/' : base,
    json: `${base}/records.json`,
    suspects: `${base}/suspects.json`,
    changes: `${base}/changes.json`,
    fleet: `${base}/fleet.json`,
  };
}
