/**
 * Runs a load script's `main` so that its servers always stop: on success,
 * on an error (printed, exit code 1), and by a watchdog after `limitMs` if
 * anything hangs (exit code 2). `main`'s number, if any, is the exit code.
 */
export async function bounded(
  main: () => Promise<number | void>,
  shutdown: () => Promise<void>,
  limitMs: number,
  say: (message: string) => void,
): Promise<void> {
  const watchdog = setTimeout(() => {
    say('watchdog: the run took too long; stopping the servers')
    void shutdown().finally(() => process.exit(2))
  }, limitMs)
  try {
    const code = await main()
    if (typeof code === 'number') process.exitCode = code
  } catch (error) {
    say(String(error instanceof Error ? (error.stack ?? error.message) : error))
    process.exitCode = 1
  } finally {
    await shutdown()
    clearTimeout(watchdog)
  }
}
