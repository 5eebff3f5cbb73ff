// One structured logger for every Lambda. Log ids, codes and counts; never bodies, phone numbers,
// emails, names or keys.
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'portdesk' });
