/** dynalite ships no types: the part of its API the emulator uses. */
declare module 'dynalite' {
  import type { Server } from 'node:http';
  interface DynaliteOptions {
    /** Milliseconds a table stays CREATING (dynalite's default 500). */
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    /** A directory to keep data in; in memory when absent. */
    path?: string;
  }
  export default function dynalite(options?: DynaliteOptions): Server;
}
