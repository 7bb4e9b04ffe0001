import { z } from 'zod';
import { ApiError } from '../api-error.ts';
import type { ServerContext } from '../context.ts';
import { parseJsonBody } from '../json-body.ts';
import { defineRoute, type RouteSpec } from '../route-spec.ts';
import { errorBody, hookParams, runAccepted } from '../schemas.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../webhook-signature.ts';

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * `POST /hooks/:workflowId`: a webhook trigger. Outside the API key (callers such as GitHub
 * cannot send one): the HMAC-SHA256 signature of the raw body is the credential. Register
 * these routes where `installRawJsonBody` applies: the handler reads the raw bytes.
 */
export function hookRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/hooks/:workflowId',
      operationId: 'callWebhook',
      summary:
        `Run a workflow that declares a webhook trigger, with the JSON body as input. ` +
        `Signed: ${SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of the raw body> with the secret of ` +
        `the trigger's secretEnv (GitHub's format); with ${TIMESTAMP_HEADER}: <Unix seconds> the HMAC ` +
        `covers "<timestamp>.<body>", and calls older than 5 minutes or seen before are refused. ` +
        `Needs no API key; answers 202 with the run id at once`,
      tag: 'hooks',
      public: true,
      params: hookParams,
      requestBody: { schema: z.unknown(), description: 'the run input (application/json; empty is {})' },
      responses: {
        202: { description: 'the run was accepted (running or queued)', schema: runAccepted },
        400: { description: 'the body is not JSON or does not match the inputs schema', schema: errorBody },
        401: { description: 'the signature is missing, wrong, stale or replayed', schema: errorBody },
        404: { description: 'no workflow with that id declares a webhook', schema: errorBody },
        409: { description: 'the workflow is at its concurrency limit (onLimit skip)', schema: errorBody },
        413: { description: 'the body is larger than the server accepts', schema: errorBody },
      },
      handler: async ({ params, request, reply }) => {
        const { definition, secretEnv } = webhookOf(ctx, params.workflowId);
        const secret = ctx.secret(secretEnv);
        if (!secret)
          throw new ApiError(
            'SIGNATURE_INVALID',
            'the server has no secret for this webhook: nothing can be verified',
          );
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        ctx.verifier.verify(secret, {
          body,
          signature: header(request.headers[SIGNATURE_HEADER]),
          timestamp: header(request.headers[TIMESTAMP_HEADER]),
        });
        const { runId } = ctx.runs.start(definition, parseJsonBody(body), 'webhook');
        reply.code(202);
        return { runId };
      },
    }),
  ];
}

// The same answer for an unknown workflow and one without a webhook: an unsigned caller learns nothing.
function webhookOf(ctx: ServerContext, workflowId: string) {
  const entry = ctx.catalog.find(workflowId);
  const webhook = entry?.definition.triggers?.find((t) => t.webhook)?.webhook;
  if (!entry || !webhook) throw new ApiError('WORKFLOW_NOT_FOUND', `no webhook for workflow '${workflowId}'`);
  return { definition: entry.definition, secretEnv: webhook.secretEnv };
}
