/** JSON schema fragments shared by the routes. */
export const appParams = {
  type: 'object',
  required: ['app'],
  properties: { app: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export const uuid = { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' } as const;
