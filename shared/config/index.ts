// The product's configuration, in one place: the settings table, reading it from the environment, its error.
export { ConfigError } from './errors';
export { configFromEnv } from './from-env';
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
} from './settings';
