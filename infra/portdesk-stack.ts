// The PortDesk stack: composes the constructs by concern (data, HTTP API; workflow, email and
// schedule join later) and publishes what clients and operators need.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { PortDeskData } from './constructs/data.ts';
import { PortDeskHttpApi } from './constructs/http-api.ts';

export class PortDeskStack extends Stack {
  readonly data: PortDeskData;
  readonly httpApi: PortDeskHttpApi;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    this.data = new PortDeskData(this, 'Data');
    this.httpApi = new PortDeskHttpApi(this, 'HttpApi', { table: this.data.table });

    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.url, description: 'Base URL of the PortDesk HTTP API' });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName, description: 'The single DynamoDB table' });
  }
}
