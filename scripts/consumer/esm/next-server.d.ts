// The one Next.js export the README's route handler uses, declared as Next.js types it, so the
// snippet compiles without installing Next.js.
declare module 'next/server' {
  export function after<T>(task: Promise<T> | (() => T | Promise<T>)): void;
}
