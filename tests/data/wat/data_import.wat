;; An imported memory may hold anything: its segments are neither merged
;; nor trimmed. A segment placed by an imported global is left alone too.
(module
  (import "env" "memory" (memory 1))
  (import "env" "base" (global $base i32))
  (data (i32.const 16) "abc\00\00")
  (data (i32.const 21) "def\00\00\00\00")
  (data (global.get $base) "at\00base\00\00")
  (func (export "byte") (param i32) (result i32)
    (i32.load8_u (local.get 0))))
