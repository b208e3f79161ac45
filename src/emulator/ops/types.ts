import type { Grant } from '../auth.js';
import type { Exchange } from '../exchange.js';
import type { Params } from '../params.js';

/** A JSON operation: parameters in, the response object out (errors thrown as B2Failure). */
export type JsonHandler = (x: Exchange, p: Params, grant: Grant) => unknown | Promise<unknown>;
