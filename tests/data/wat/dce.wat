;; -Oz removes what nothing reachable uses: a chain of dead functions, a
;; global only they touch, a type nothing declares with, and (with
;; --remove-unused-imports) an import nobody calls.
(module
  (type $unused (func (param f64) (result f64)))
  (import "env" "unused" (func $unused_import (param i32)))
  (global $counter (mut i32) (i32.const 0))
  (global $bias (mut i32) (i32.const 10))
  (global $limit (export "limit") i32 (i32.const 100))

  ;; dead: nothing reachable calls them
  (func $dead_a (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (call $dead_b))
  (func $dead_b (result i32)
    (i32.add (call $dead_c) (global.get $counter)))
  (func $dead_c (result i32)
    (i32.const 3))

  ;; live
  (func $helper (param i32) (result i32)
    (global.set $bias (i32.add (global.get $bias) (i32.const 1)))
    (i32.add (local.get 0) (global.get $bias)))
  (func $start
    (global.set $bias (i32.const 20)))
  (start $start)
  (func (export "run") (param i32) (result i32)
    (if (result i32) (i32.gt_s (local.get 0) (global.get $limit))
      (then (i32.const -1))
      (else (call $helper (local.get 0))))))
