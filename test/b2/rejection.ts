/** The B2Error a promise rejects with (anything else, or no rejection, fails the test). */
import { type B2Error, isB2Error } from '../../src/b2/index.js';

export async function rejection(promise: Promise<unknown>): Promise<B2Error> {
  try {
    await promise;
  } catch (error) {
    if (isB2Error(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}
