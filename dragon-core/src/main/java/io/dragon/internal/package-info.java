/**
 * Not API: the parts of the user API's implementation that other packages of the runtime also use (this process's
 * link to Global Services, the main class of processes started from a Runnable, the protocol between a
 * {@link io.dragon.Pool} and its workers). Public only so that those packages can reach them; they may change in any
 * release. Programs use {@link io.dragon} only.
 */
package io.dragon.internal;
