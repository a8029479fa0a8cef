/**
 * The CDK app: reads the rotator configuration from cdk.json context (or the file named by the
 * context key `rotatorConfigFile`, in cdk.json or `-c rotatorConfigFile=...`), validates it, and instantiates the
 * stack. cdk-nag's AwsSolutions and Serverless checks run on everything it synthesizes.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { ConfigValidationError, loadRotatorConfig } from '../lib/config/config.js';
import { S3CredentialRotatorValidationError } from '../lib/s3-credential-rotator.js';
import { addRotatorStack } from '../lib/rotator-app.js';

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));

try {
  addRotatorStack(
    app,
    loadRotatorConfig((key) => app.node.tryGetContext(key)),
  );
} catch (error) {
  // A configuration problem is the operator's to fix: say which field, without a stack trace.
  if (error instanceof ConfigValidationError || error instanceof S3CredentialRotatorValidationError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
