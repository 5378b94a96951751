/**
 * A minimal module speaking OPA's wasm ABI 1.x, written in WAT and compiled at test time
 * with wabt (the `opa` binary is not available here). It implements the exports
 * `@open-policy-agent/opa-wasm` calls, with values kept as NUL-terminated JSON text
 * (the ABI leaves the value representation to the module):
 *
 * - entrypoint 0, `writ/decision`: result set `[{"result":{"input":<input>,"data":<data>}}]`,
 *   so a test proves that input and bundle data really flow through the module;
 * - entrypoint 1, `writ/undefined`: the empty result set (an undefined decision);
 * - entrypoint 2, `writ/abort`: calls `opa_abort`, as a runtime error in a real policy does;
 * - entrypoint 3, `writ/builtin`: `[{"result": custom.upper(input)}]`, through the host builtin
 *   `custom.upper` (id 0, declared by `builtins()`), as OPA modules call builtins they lack.
 *
 * `minorVersion` 1 makes the SDK use the eval-context calls; 2 makes it use `opa_eval`.
 */
import wabt from 'wabt';

const WAT = (minorVersion: number): string => String.raw`
(module
  (import "env" "memory" (memory 2))
  (import "env" "opa_abort" (func $opa_abort (param i32)))
  (import "env" "opa_builtin1" (func $opa_builtin1 (param i32 i32 i32) (result i32)))
  (global $heap (mut i32) (i32.const 4096))
  (global (export "opa_wasm_abi_version") i32 (i32.const 1))
  (global (export "opa_wasm_abi_minor_version") i32 (i32.const ${minorVersion}))
  (data (i32.const 1024) "{}\00")
  (data (i32.const 1300) "{\"writ/decision\":0,\"writ/undefined\":1,\"writ/abort\":2,\"writ/builtin\":3}\00")
  (data (i32.const 1400) "{\"custom.upper\":0}\00")
  (data (i32.const 1420) "[{\"result\":\00")
  (data (i32.const 1440) "}]\00")
  (data (i32.const 1100) "[]\00")
  (data (i32.const 1110) "[{\"result\":{\"input\":\00")
  (data (i32.const 1140) ",\"data\":\00")
  (data (i32.const 1160) "}}]\00")
  (data (i32.const 1170) "null\00")
  (data (i32.const 1180) "policy aborted on purpose\00")

  (func $malloc (export "opa_malloc") (param $n i32) (result i32)
    (local $p i32) (local $over i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.and (i32.add (i32.add (local.get $p) (local.get $n)) (i32.const 7)) (i32.const -8)))
    (local.set $over (i32.sub (global.get $heap) (i32.mul (memory.size) (i32.const 65536))))
    (if (i32.gt_s (local.get $over) (i32.const 0))
      (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (local.get $over) (i32.const 16)) (i32.const 1))) (i32.const -1))
        (then unreachable))))
    (local.get $p))
  (func (export "opa_free") (param i32))
  (func (export "opa_heap_ptr_get") (result i32) (global.get $heap))
  (func (export "opa_heap_ptr_set") (param i32) (global.set $heap (local.get 0)))

  (func $copy (param $dst i32) (param $src i32) (param $n i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
      (local.set $src (i32.add (local.get $src) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next))))
  (func $strlen (param $p i32) (result i32) (local $n i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $n))
  (func $append (param $dst i32) (param $src i32) (result i32) (local $n i32)
    (local.set $n (call $strlen (local.get $src)))
    (call $copy (local.get $dst) (local.get $src) (local.get $n))
    (i32.add (local.get $dst) (local.get $n)))

  (func $parse (export "opa_json_parse") (param $p i32) (param $n i32) (result i32) (local $v i32)
    (local.set $v (call $malloc (i32.add (local.get $n) (i32.const 1))))
    (call $copy (local.get $v) (local.get $p) (local.get $n))
    (i32.store8 (i32.add (local.get $v) (local.get $n)) (i32.const 0))
    (local.get $v))
  (func (export "opa_json_dump") (param i32) (result i32) (local.get 0))
  (func (export "opa_value_dump") (param i32) (result i32) (local.get 0))
  (func (export "builtins") (result i32) (i32.const 1400))
  (func (export "entrypoints") (result i32) (i32.const 1300))

  (func $result (param $ep i32) (param $data i32) (param $input i32) (result i32) (local $out i32) (local $end i32)
    (if (i32.eq (local.get $ep) (i32.const 2)) (then (call $opa_abort (i32.const 1180))))
    (if (i32.eq (local.get $ep) (i32.const 3)) (then (return (call $wrap (call $opa_builtin1 (i32.const 0) (i32.const 0)
      (select (local.get $input) (i32.const 1170) (local.get $input)))))))
    (if (i32.ne (local.get $ep) (i32.const 0)) (then (return (i32.const 1100))))
    (if (i32.eqz (local.get $input)) (then (local.set $input (i32.const 1170))))
    (if (i32.eqz (local.get $data)) (then (local.set $data (i32.const 1024))))
    (local.set $out (call $malloc (i32.add (i32.add (call $strlen (local.get $input)) (call $strlen (local.get $data))) (i32.const 64))))
    (local.set $end (call $append (local.get $out) (i32.const 1110)))
    (local.set $end (call $append (local.get $end) (local.get $input)))
    (local.set $end (call $append (local.get $end) (i32.const 1140)))
    (local.set $end (call $append (local.get $end) (local.get $data)))
    (local.set $end (call $append (local.get $end) (i32.const 1160)))
    (i32.store8 (local.get $end) (i32.const 0))
    (local.get $out))

  (func $wrap (param $value i32) (result i32) (local $out i32) (local $end i32)
    (local.set $out (call $malloc (i32.add (call $strlen (local.get $value)) (i32.const 16))))
    (local.set $end (call $append (local.get $out) (i32.const 1420)))
    (local.set $end (call $append (local.get $end) (local.get $value)))
    (local.set $end (call $append (local.get $end) (i32.const 1440)))
    (i32.store8 (local.get $end) (i32.const 0))
    (local.get $out))

  (func (export "opa_eval_ctx_new") (result i32) (local $c i32)
    (local.set $c (call $malloc (i32.const 16)))
    (i32.store (local.get $c) (i32.const 0))
    (i32.store offset=4 (local.get $c) (i32.const 0))
    (i32.store offset=8 (local.get $c) (i32.const 0))
    (i32.store offset=12 (local.get $c) (i32.const 0))
    (local.get $c))
  (func (export "opa_eval_ctx_set_input") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "opa_eval_ctx_set_data") (param i32 i32) (i32.store offset=4 (local.get 0) (local.get 1)))
  (func (export "opa_eval_ctx_set_entrypoint") (param i32 i32) (i32.store offset=8 (local.get 0) (local.get 1)))
  (func (export "opa_eval_ctx_get_result") (param i32) (result i32) (i32.load offset=12 (local.get 0)))
  (func (export "eval") (param $c i32) (result i32)
    (i32.store offset=12 (local.get $c)
      (call $result (i32.load offset=8 (local.get $c)) (i32.load offset=4 (local.get $c)) (i32.load (local.get $c))))
    (i32.const 0))
  ;; ABI 1.2: input arrives as raw JSON bytes at inputAddr; the heap restarts at heapPtr.
  (func (export "opa_eval") (param $reserved i32) (param $ep i32) (param $data i32) (param $in i32) (param $len i32) (param $heapPtr i32) (param $format i32) (result i32)
    (local $input i32)
    (global.set $heap (local.get $heapPtr))
    (if (i32.gt_s (local.get $len) (i32.const 0)) (then (local.set $input (call $parse (local.get $in) (local.get $len)))))
    (call $result (local.get $ep) (local.get $data) (local.get $input)))
)`;

/** Compiles WAT text to wasm bytes with wabt. */
export async function compileWat(text: string): Promise<Uint8Array> {
  const toolkit = await wabt();
  const module = toolkit.parseWat('test.wat', text);
  try {
    module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

/** The test module for ABI 1.`minorVersion`. */
export function opaTestWasm(minorVersion: 1 | 2 = 2): Promise<Uint8Array> {
  return compileWat(WAT(minorVersion));
}
