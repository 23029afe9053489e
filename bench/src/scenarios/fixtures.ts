/**
 * The work every contender protects: an async function that resolves at once, so that
 * what is measured is the policies' own overhead.
 */
export const work = async (): Promise<number> => 1;

export const FAILING = new Error('dependency down');
export const failingWork = async (): Promise<never> => {
  throw FAILING;
};
