import type { FastifyInstance } from 'fastify';
import { isProcessType } from '@paas/core';
import { appSpec } from '../app-spec.js';
import type { ApiContext } from '../context.js';
import { currentRelease, dynoWire, getDyno, sortDynos, type DynoOps } from './dyno-support.js';
import { appParams } from './schemas.js';

const dynoParams = {
  type: 'object',
  required: ['app', 'dyno'],
  // A dyno name (`web.1`), a process type (`web`) or a container id: nothing else reaches the engine.
  properties: { app: appParams.properties.app, dyno: { type: 'string', pattern: '^([a-zA-Z0-9_-]{1,30}(\\.[0-9]{1,5})?|[0-9a-f]{12,64})$' } },
} as const;

type DynoRequest = { Params: { app: string; dyno: string } };

/**
 * Dynos, in Heroku Platform API shapes: list, info, restart (`DELETE`, all or one), and stop. Restarts
 * and stops answer once done, with the app's dynos as they are then.
 */
export function dynoRoutes(app: FastifyInstance, ctx: ApiContext, dynos: DynoOps): void {
  const { store } = ctx;
  const list = (appId: string) => sortDynos(dynos.listDynos(appId).map((d) => dynoWire(d)));

  app.get<{ Params: { app: string } }>('/apps/:app/dynos', { schema: { params: appParams } }, async (request) => {
    return list(store.getApp(request.params.app).id);
  });

  app.get<DynoRequest>('/apps/:app/dynos/:dyno', { schema: { params: dynoParams } }, async (request) => {
    const record = store.getApp(request.params.app);
    return dynoWire(getDyno(dynos, record.id, request.params.dyno));
  });

  // Restart every dyno. On the release the dynos run, a preboot restart that also restarts crashed ones at
  // once; if the current release is another one (a config change recorded without restarting), the
  // restart is what makes it live, so it is a deploy of the current release.
  app.delete<{ Params: { app: string } }>('/apps/:app/dynos', { schema: { params: appParams } }, async (request) => {
    const record = store.getApp(request.params.app);
    await ctx.releases.queue.run(record.id, async () => {
      const fresh = store.getApp(record.id);
      const { release, slug } = currentRelease(store, fresh);
      const formation = dynos.listDynos(fresh.id).filter((d) => !d.oneOff);
      if (formation.some((d) => d.release.id !== release.id)) await dynos.deploy(appSpec(store, fresh, release, slug));
      else await dynos.restart(fresh.id, { all: true });
    });
    ctx.logger.info({ app: record.name }, 'dynos restarted');
    return list(record.id);
  });

  // Restart one dyno (`web.1`), or all of a process type (`web`), as `paas ps:restart TYPE` does.
  app.delete<DynoRequest>('/apps/:app/dynos/:dyno', { schema: { params: dynoParams } }, async (request) => {
    const record = store.getApp(request.params.app);
    const { dyno } = request.params;
    const byName = dynos.listDynos(record.id).some((d) => d.name === dyno || d.id === dyno);
    await dynos.restart(record.id, !byName && isProcessType(dyno) && !dyno.includes('.') ? { type: dyno } : { dyno });
    ctx.logger.info({ app: record.name, dyno }, 'dyno restarted');
    return list(record.id);
  });

  app.post<DynoRequest>('/apps/:app/dynos/:dyno/actions/stop', { schema: { params: dynoParams } }, async (request) => {
    const record = store.getApp(request.params.app);
    const dyno = getDyno(dynos, record.id, request.params.dyno);
    await dynos.stop(record.id, dyno.oneOff ? dyno.id : dyno.name);
    ctx.logger.info({ app: record.name, dyno: dyno.name }, 'dyno stopped');
    return list(record.id);
  });
}
