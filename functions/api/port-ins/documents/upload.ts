// The body is multipart/form-data (no JSON schema): the file part is parsed here, its type checked
// from its bytes by the use case.
import { apiHandler, formatPath } from '../../../../shared/http/handler.ts';
import { parseMultipart } from '../../../../shared/http/multipart.ts';
import { HttpError } from '../../../../shared/http/problem.ts';
import { UploadDocumentForm } from '../../../../shared/http/schemas.ts';
import { MAX_DOCUMENT_BYTES, uploadDocument } from '../../../../shared/app/use-cases/documents.ts';
import { deps } from '../../../lib/deps.ts';

const FormFields = UploadDocumentForm.pick({ kind: true });

export const handler = apiHandler('uploadPortInDocument', deps, async ({ caller, params, headers, rawBody }) => {
  const form = await parseMultipart(rawBody, headers['content-type'], {
    fileField: 'file',
    textFields: ['kind'],
    maxFileBytes: MAX_DOCUMENT_BYTES,
    maxFieldBytes: 100,
  });
  const fields = FormFields.safeParse(form.fields);
  if (!fields.success) {
    const issues = fields.error.issues.map((issue) => ({ path: formatPath(issue.path), code: issue.code, message: issue.message }));
    throw new HttpError(400, 'invalid_request', 'The form fields do not match the schema: kind is bill_copy (default) or other.', issues);
  }
  const document = await uploadDocument(deps, caller, params.id!, { kind: fields.data.kind, filename: form.file.filename, bytes: form.file.bytes });
  return { status: 201, body: document, headers: { location: `/v1/port-ins/${document.orderId}/documents/${document.id}` } };
});
