/**
 * Every process forks forever and shrugs off fork failures (a shell bomb dies of its first
 * failed fork, which would prove nothing about the limit).
 */
export const FORK_BOMB: { image: string; entrypoint: string } = {
  image: 'localhost/light-python',
  entrypoint: `python3 -c "import os, time\nprint('armed', flush=True)\nwhile True:\n  try: os.fork()\n  except OSError: time.sleep(0.05)"`,
};
