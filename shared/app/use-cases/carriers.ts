// Carriers: the losing carriers customers port from. Each gets an API key to post its answers.
import type { Caller, CarrierRecord, PageRequest } from '../ports.ts';
import { newId, type UseCaseDeps } from '../context.ts';
import { generateApiKey, hashApiKey } from '../api-keys.ts';
import { checkUrl } from './webhooks.ts';

export async function createCarrier(
  deps: UseCaseDeps,
  input: { name: string; emailDomains?: string[]; portingEmail?: string; webhookUrl?: string },
) {
  // https only (the local runtime allows http for its stand-ins), like customers' webhooks.
  if (input.webhookUrl !== undefined) checkUrl(input.webhookUrl, deps.services.settings.allowHttpWebhooks, 'webhookUrl');
  const now = deps.clock.now().toISOString();
  const carrier: CarrierRecord = {
    id: newId('car'),
    name: input.name,
    emailDomains: [...new Set((input.emailDomains ?? []).map((d) => d.toLowerCase()))],
    portingEmail: input.portingEmail ?? null,
    webhookUrl: input.webhookUrl ?? null,
    createdAt: now,
  };
  const apiKey = generateApiKey('carrier');
  await deps.repository.createCarrier(carrier, { keyHash: hashApiKey(apiKey), role: 'carrier', accountId: null, carrierId: carrier.id, createdAt: now });
  return { ...carrier, apiKey };
}

/** Customers see only what they need to pick a losing carrier: id and name. */
export async function listCarriers(deps: UseCaseDeps, caller: Caller, page: PageRequest) {
  const result = await deps.repository.listCarriers(page);
  if (caller.role === 'operator') return result;
  return { items: result.items.map(({ id, name }) => ({ id, name })), nextCursor: result.nextCursor };
}
