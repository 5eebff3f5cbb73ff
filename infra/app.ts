// CDK entry point (cdk.json: `npx tsx infra/app.ts`). Stage: `npx cdk synth -c stage=Staging`.
import { createPortDeskApp } from './portdesk-app.ts';

createPortDeskApp().app.synth();
