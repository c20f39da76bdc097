export {
  BreakerDashboard,
  createDashboard,
  DASHBOARD_ACTION_CHANNEL,
  type DashboardRoute,
  DashboardWarningCodes,
} from './dashboard.js';
export type {
  AuthorizeResult,
  DashboardAccess,
  DashboardAction,
  DashboardActionEvent,
  DashboardHandler,
  DashboardOptions,
} from './types.js';
