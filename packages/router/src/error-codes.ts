/** Heroku's router error codes that paas produces, with the words Heroku uses in its log lines. */
export const ROUTER_ERRORS = {
  H10: { desc: 'App crashed', status: 503 },
  H12: { desc: 'Request timeout', status: 503 },
  H13: { desc: 'Connection closed without response', status: 503 },
  H14: { desc: 'No web dynos running', status: 503 },
  H15: { desc: 'Idle connection', status: 503 },
  H17: { desc: 'Poorly formatted HTTP response', status: 503 },
  H18: { desc: 'Server Request Interrupted', status: 503 },
  H19: { desc: 'Backend connection timeout', status: 503 },
  H21: { desc: 'Backend connection refused', status: 503 },
  H27: { desc: 'Client Request Interrupted', status: 499 },
  H80: { desc: 'Maintenance mode', status: 503 },
  H81: { desc: 'Blank app', status: 503 },
  H99: { desc: 'Platform error', status: 503 },
} as const;

export type RouterErrorCode = keyof typeof ROUTER_ERRORS;
