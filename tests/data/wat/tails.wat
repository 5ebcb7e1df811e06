;; -Oz leaves out a block's closing code T + unreachable (or return) when
;; the code that runs after the block is the same T + terminator: LLVM's
;; assertion failures repeated at every level of nested blocks. Only blocks
;; of no results whose T starts at the block's own stack height qualify, and
;; T must not branch.
(module
  (import "env" "fail" (func $fail (param i32 i32)))
  (global $sp (mut i32) (i32.const 1024))

  ;; three copies of the failure, one per level: two go (the yosys shape)
  (func (export "checked") (param i32 i32) (result i32)
    (block
      (block
        (block
          (br_if 0 (i32.lt_s (local.get 0) (i32.const 0)))
          (br_if 1 (i32.lt_s (local.get 1) (i32.const 0)))
          (br_if 2 (i32.gt_s (local.get 0) (i32.const 100)))
          (return (i32.add (local.get 0) (local.get 1))))
        (call $fail (i32.add (global.get $sp) (i32.const 8675309)) (i32.const 311))
        (unreachable))
      (call $fail (i32.add (global.get $sp) (i32.const 8675309)) (i32.const 311))
      (unreachable))
    (call $fail (i32.add (global.get $sp) (i32.const 8675309)) (i32.const 311))
    (unreachable))

  ;; the same with return: the copy in the block goes, the one after stays
  (func (export "returns") (param i32) (result i32)
    (block
      (loop
        (br_if 1 (i32.eqz (local.get 0)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br_if 0 (i32.gt_u (local.get 0) (i32.const 10))))
      (global.set $sp (i32.add (global.get $sp) (local.get 0)))
      (return (i32.mul (local.get 0) (i32.const 7))))
    (global.set $sp (i32.add (global.get $sp) (local.get 0)))
    (return (i32.mul (local.get 0) (i32.const 7))))

;; not folded: a value under T (T would start above the block's height),
  ;; a tail that differs, a branch in T (its label would change), a block
  ;; with a result
  (func (export "kept_value") (param i32) (result i32)
    (block
      (i32.const 5)
      (block (br_if 0 (local.get 0)))
      (call $fail (i32.const 1) (i32.const 2))
      (unreachable))
    (call $fail (i32.const 1) (i32.const 2))
    (unreachable))
  (func (export "kept_differs") (param i32) (result i32)
    (block
      (block (br_if 0 (local.get 0)))
      (call $fail (i32.const 1) (i32.const 3))
      (unreachable))
    (call $fail (i32.const 1) (i32.const 2))
    (unreachable))
  (func (export "kept_branch") (param i32) (result i32)
    (block
      (block (br_if 0 (i32.eq (local.get 0) (i32.const 5))))
      (br_if 0 (local.get 0))
      (unreachable))
    (br_if 0 (i32.const 7) (local.get 0))
    (unreachable))
  (func (export "kept_result") (param i32) (result i32)
    (block (result i32)
      (block (br_if 0 (local.get 0)))
      (call $fail (i32.const 1) (i32.const 2))
      (unreachable))
    (drop)
    (call $fail (i32.const 1) (i32.const 2))
    (unreachable)))
