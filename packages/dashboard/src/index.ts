export {
  BreakerDashboard,
  createDashboard,
  DASHBOARD_ACTION_CHANNEL,
  type DashboardRoute,
  DashboardWarningCodes,
  withDashboard,
} from './dashboard.js';
export type {
  AuthorizeResult,
  DashboardAccess,
  DashboardAction,
  DashboardActionEvent,
  DashboardControls,
  DashboardHandler,
  DashboardOptions,
} from './types.js';
