import { attachmentRoutes } from "../admin/attachments.js";
import { domainRoutes } from "../admin/domains.js";
import { groupRoutes } from "../admin/groups.js";
import { policyRoutes } from "../admin/policies.js";
import { userRoutes } from "../admin/users.js";
import { authRoutes } from "../auth/routes.js";
import { secretRoutes } from "../secrets/routes.js";
import type { Route } from "./router.js";

/** The whole CM surface the simulator serves, as one table. */
export const ROUTES: readonly Route[] = [
  ...authRoutes,
  ...secretRoutes,
  ...userRoutes,
  ...groupRoutes,
  ...policyRoutes,
  ...attachmentRoutes,
  ...domainRoutes,
];
