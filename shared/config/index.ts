// The product's configuration, in one place: the settings table, reading it from the environment, its error.
export { ConfigError } from './errors.js';
export { configFromEnv } from './from-env.js';
export {
  CONFIG_DEFAULTS,
  type ConfigDefaults,
  inConfigUnits,
  isInRange,
  rangeText,
  SCHEDULE_DEFAULTS,
  SETTINGS,
  type ServiceConfig,
  type Setting,
  type WholeNumberSetting,
} from './settings.js';
