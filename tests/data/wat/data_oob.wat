;; A segment that reaches past the memory's initial size traps at
;; instantiation, which must keep happening: -Oz leaves every segment of
;; that memory alone (no merging, no trimming).
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "abc")
  (data (i32.const 21) "def\00\00\00")
  (data (i32.const 65530) "0123456789")
  (func (export "byte") (param i32) (result i32)
    (i32.load8_u (local.get 0))))
