// The CDK app: `npx cdk synth` / `npx cdk deploy [-c stage=prod] [-c userPoolId=... -c userPoolClientId=...]`.
import { App } from 'aws-cdk-lib';
import { defineChatBackend } from '../lib/chat-app.js';

const app = new App();
defineChatBackend(app);
app.synth();
