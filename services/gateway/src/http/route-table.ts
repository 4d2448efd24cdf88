import type { Route } from "./types.js";

/** Routing with Go ServeMux semantics over the rows of routes.ts. */
export interface RouteTable {
  readonly routes: readonly Route[];
  /** The route serving a clean path: an exact path, else the longest matching prefix. */
  lookup(path: string): Route | undefined;
  /** `path + "/"` when only the slash form is registered (Go redirects there), else undefined. */
  redirectWithSlash(path: string): string | undefined;
}

export function createRouteTable(routes: readonly Route[]): RouteTable {
  const byPath = new Map<string, Route>();
  for (const route of routes) {
    checkRoute(route);
    if (byPath.has(route.path)) throw new Error(`route table: ${route.path} is listed twice`);
    byPath.set(route.path, route);
  }
  // The paths that lack only their trailing slash to be a route's: the only ones redirected.
  // (Asking the map for `path + "/"` would build a string for every request.)
  const slashless = new Set<string>();
  for (const path of byPath.keys()) {
    if (path.endsWith("/") && !byPath.has(path.slice(0, -1))) slashless.add(path.slice(0, -1));
  }
  return {
    routes,
    lookup(path) {
      const exact = byPath.get(path);
      if (exact !== undefined) return exact;
      // Try each prefix ending in "/", longest first; only prefix routes end in "/".
      for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
        const route = byPath.get(path.slice(0, i + 1));
        if (route !== undefined) return route;
      }
      return undefined;
    },
    redirectWithSlash(path) {
      return slashless.has(path) ? `${path}/` : undefined;
    },
  };
}

function checkRoute(route: Route): void {
  const prefix = route.path.endsWith("/");
  if (!route.path.startsWith("/") || route.path === "/") {
    throw new Error(`route table: bad path '${route.path}'`);
  }
  if (prefix !== (route.argument !== "none")) {
    throw new Error(`route table: ${route.path}: only prefix routes (ending in /) take arguments`);
  }
  if (route.methods.length === 0) throw new Error(`route table: ${route.path} has no method`);
  if (route.maxBody < 0 || route.timeoutMs < 0) {
    throw new Error(`route table: ${route.path} has a bad limit`);
  }
}
