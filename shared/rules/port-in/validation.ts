// Port-in validation (rulebook "Validation" and "Warnings"). Blocking errors stop a submission;
// warnings are shown but never block. Every problem has a stable machine code and a path into
// the request so a client can point at the field to fix.
import type { AccountFacts, Issue, NumberFacts, PortInDetails, PortInLine, ServiceAddress, ValidationResult } from '../types.ts';
import type { MarketPolicy } from '../markets.ts';
import { isParisAreaNumber, normalizeNumber } from '../phone.ts';

/** Services that are lost when an AU line ports (rulebook: "a line with other services"). */
const AU_SERVICES_LOST = new Set(['adsl', 'dsl', 'eftpos', 'line_hunt', 'duet', 'split_phone_fax']);
const DSL_SERVICES = new Set(['adsl', 'dsl']);

/**
 * Non-physical delivery points, in the spellings seen on real forms: PO Box (P.O. Box, P O Box,
 * POBox, Post Office Box), GPO Box, Locked Bag, Private (Mail) Bag, Parcel Locker, CMB/RMB
 * roadside mail boxes, and the French boîte postale (BP 123).
 */
const NON_PHYSICAL_ADDRESS =
  /(?:^|[^a-z])(?:g\.?\s*)?p\.?\s*o\.?\s*box|post\s*office\s*box|locked\s*bag|private\s*(?:mail\s*)?bag|parcel\s*locker|(?:^|[^a-z])[cr]\.?\s*m\.?\s*b\.?\s*\d|bo[iî]te\s*postale|(?:^|[^a-z])b\.?\s*p\.?\s*\d/i;

export function isNonPhysicalAddress(text: string): boolean {
  return NON_PHYSICAL_ADDRESS.test(text);
}

export interface ValidationInput {
  policy: MarketPolicy;
  details: PortInDetails;
  lines: readonly PortInLine[];
  account: AccountFacts;
  numbers: NumberFacts;
  /** Whether details.carrierId names a registered carrier. */
  carrierExists: boolean;
}

const blank = (s: string | null | undefined): boolean => s === null || s === undefined || s.trim() === '';

export function validatePortIn(input: ValidationInput): ValidationResult {
  const { policy, details, lines, account, numbers } = input;
  const errors: Issue[] = [];
  const warnings: Issue[] = [];
  const error = (code: string, path: string, message: string) => errors.push({ code, path, message });
  const warn = (code: string, path: string, message: string) => warnings.push({ code, path, message });

  // Numbers.
  if (lines.length === 0) error('no_numbers', 'numbers', 'Add at least one number to port.');
  const seen = new Map<string, number>();
  lines.forEach((line, i) => {
    const path = `numbers[${i}]`;
    // buildLines normalised every line already; only an unusable one is parsed again, for its reason.
    if (line.e164 === null) {
      const normalized = normalizeNumber(line.input, policy.market);
      if (!normalized.ok) error(normalized.code, `${path}.number`, normalized.message);
      return;
    }
    const e164 = line.e164;
    const first = seen.get(e164);
    if (first !== undefined) {
      error('number_duplicate', `${path}.number`, `${e164} is already listed at numbers[${first}]; list each number once.`);
      return;
    }
    seen.set(e164, i);
    if (numbers.activeOnNetwork.has(e164)) {
      error('number_already_active', `${path}.number`, `${e164} is already active on our network; it cannot be ported in.`);
    }
    if (numbers.previouslyPortedOut.has(e164)) {
      warn('port_back', `${path}.number`, `${e164} was ported out from us before: a port-back fee applies (see the quote).`);
    }
    if (policy.auPlanAndServiceChecks) {
      const lost = line.services.filter((s) => AU_SERVICES_LOST.has(s));
      if (lost.length > 0 && !line.acknowledgedServiceLoss) {
        error(
          'service_loss_not_acknowledged',
          `${path}.acknowledgedServiceLoss`,
          `${e164} carries ${lost.join(', ')}; these services stop when the number ports. Set acknowledgedServiceLoss: true to confirm.`,
        );
      } else if (lost.length > 0) {
        warn('services_will_be_lost', `${path}.services`, `${lost.join(', ')} on ${e164} will stop when the number ports.`);
      }
    }
    if (policy.frOrderChecks) {
      if (line.services.some((s) => DSL_SERVICES.has(s)) && !line.dslSeparated) {
        error(
          'dsl_not_separated',
          `${path}.dslSeparated`,
          `${e164} has DSL on the same line; have the DSL separated (stand-alone / dry loop) first, then set dslSeparated: true.`,
        );
      }
      if (!isParisAreaNumber(e164) && e164.startsWith('+33')) {
        warn('outside_paris_area', `${path}.number`, `${e164} is outside the Paris calling area (+33 1) and may not work after porting.`);
      }
    }
  });

  // The losing carrier and the customer's account with it.
  if (blank(details.carrierId)) error('losing_carrier_missing', 'carrierId', 'Name the losing carrier (carrierId from GET /v1/carriers).');
  else if (!input.carrierExists) error('losing_carrier_unknown', 'carrierId', `No carrier ${details.carrierId} is registered; pick one from GET /v1/carriers.`);
  if (blank(details.losingCarrierAccountNumber)) {
    error('account_number_missing', 'losingCarrierAccountNumber', 'Give the account number at the losing carrier (it is on their bill).');
  }

  // Account holder.
  const holder = details.accountHolder;
  const hasPersonName = !blank(holder?.firstName) && !blank(holder?.lastName);
  if (!holder || (blank(holder.businessName) && blank(holder.firstName) && blank(holder.lastName))) {
    error('account_holder_missing', 'accountHolder', 'Give the account holder: a business name, or first and last name, exactly as on the bill.');
  } else if (policy.frOrderChecks && !hasPersonName) {
    error('account_holder_name_incomplete', 'accountHolder', 'In France the account holder needs a first name and a last name.');
  } else if (!policy.frOrderChecks && blank(holder.businessName) && !hasPersonName) {
    error('account_holder_name_incomplete', 'accountHolder', 'Give both first and last name of the account holder (or a business name).');
  }

  // Service address.
  const address = details.serviceAddress;
  if (!address || blank(address.line1) || blank(address.locality) || blank(address.postcode) || blank(address.country)) {
    error('service_address_missing', 'serviceAddress', 'Give the full service address: line1, locality, postcode and country.');
  } else {
    checkPhysicalAddress(address, error);
    if (address.country.trim().toUpperCase() !== policy.country) {
      error('service_address_wrong_country', 'serviceAddress.country', `The service address must be in ${policy.country} for a ${policy.market} account.`);
    }
  }

  // Plan (AU).
  if (policy.auPlanAndServiceChecks) {
    if (!account.plan.active) error('plan_inactive', 'account.plan.active', "The account's plan is not active; reactivate it before porting.");
    else if (!account.plan.portingEnabled) error('porting_not_enabled', 'account.plan.portingEnabled', "The account's plan does not allow porting; change plan first.");
  }

  // FR order shape.
  if (policy.frOrderChecks) {
    if (blank(details.primaryNumber)) {
      error('primary_number_missing', 'primaryNumber', 'Name the primary number of the order (one of its numbers).');
    } else {
      const primary = normalizeNumber(details.primaryNumber!, policy.market);
      if (!primary.ok || !seen.has(primary.e164)) {
        error('primary_number_not_in_order', 'primaryNumber', 'The primary number must be one of the numbers of the order.');
      }
    }
    if (details.temporaryNumber && !normalizeNumber(details.temporaryNumber.number, policy.market).ok) {
      error('temporary_number_invalid', 'temporaryNumber.number', 'The temporary number is not a valid number of this market.');
    }
  }

  if (!details.termsAccepted) error('terms_not_accepted', 'termsAccepted', 'Accept the porting terms (termsAccepted: true) before submitting.');

  if (policy.warnKeepServiceActive) {
    warn(
      'keep_existing_service_active',
      '',
      'Keep your service with the losing carrier active until the port completes; cancelling it earlier can lose the number.',
    );
  }
  return { errors, warnings };
}

function checkPhysicalAddress(address: ServiceAddress, error: (code: string, path: string, message: string) => void): void {
  for (const field of ['line1', 'line2'] as const) {
    const value = address[field];
    if (value && isNonPhysicalAddress(value)) {
      error(
        'service_address_not_physical',
        `serviceAddress.${field}`,
        'The service address must be where the line is installed, not a PO Box, Locked Bag, Private Bag, Parcel Locker or CMB/RMB.',
      );
    }
  }
}
