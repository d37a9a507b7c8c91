;;; convex-lsp.el --- Convex LSP for Eglot and lsp-mode  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1"))
;; Keywords: languages, tools, convex
;; URL: https://github.com/convex-lsp/convex-lsp
;; SPDX-License-Identifier: MIT

;;; Commentary:

;; Connects the convex-lsp language server (`./install.sh' in a checkout of convex-lsp) to TypeScript
;; buffers: diagnostics for the Convex Architecture Spec, hovers citing its sections and
;; quick fixes.
;;
;; lsp-mode runs several servers per buffer: convex-lsp is registered as an add-on
;; (`:add-on? t'), so it runs alongside ts-ls (typescript-language-server):
;;
;;   (require 'convex-lsp)
;;   (convex-lsp-lsp-mode-setup)
;;
;; Eglot (built into Emacs 29+) runs ONE server per buffer: `eglot-server-programs' maps a
;; major mode to a single command.  `convex-lsp-eglot-setup' makes convex-lsp that server
;; for the TypeScript modes (instead of typescript-language-server), which suits a
;; project's convex/ folder; to keep both under Eglot, put an LSP multiplexer in front of
;; the two commands.  The entry it adds is:
;;
;;   (add-to-list 'eglot-server-programs
;;                '((typescript-ts-mode tsx-ts-mode typescript-mode)
;;                  . ("convex-lsp" "serve"
;;                     :initializationOptions (:convexLsp (:hover t)))))
;;
;; then M-x eglot in a file of the convex/ folder (or `eglot-ensure' in a hook).

;;; Code:

(defgroup convex-lsp nil
  "The convex-lsp language server for Convex TypeScript backends."
  :group 'tools
  :prefix "convex-lsp-")

(defcustom convex-lsp-command '("convex-lsp" "serve")
  "Command that starts the convex-lsp language server on stdio."
  :type '(repeat string))

(defcustom convex-lsp-modes '(typescript-ts-mode tsx-ts-mode typescript-mode)
  "Major modes of the files convex-lsp serves."
  :type '(repeat symbol))

(defcustom convex-lsp-initialization-options '(:convexLsp (:hover t))
  "Options sent to the server at initialization (a plist, under :convexLsp).
Keys: :debounce (milliseconds), :hover, :select and :ignore (vectors of rule
codes or names).  A project's convex-lsp.toml wins over them."
  :type 'sexp)

(defvar eglot-server-programs)
(declare-function lsp-register-client "lsp-mode" (client))
(declare-function make-lsp-client "lsp-mode" (&rest args))
(declare-function lsp-stdio-connection "lsp-mode" (command &optional test-command))
(declare-function lsp-activate-on "lsp-mode" (&rest languages))

(defun convex-lsp-eglot-contact ()
  "The `eglot-server-programs' contact of convex-lsp."
  (append convex-lsp-command
          (list :initializationOptions convex-lsp-initialization-options)))

;;;###autoload
(defun convex-lsp-eglot-setup ()
  "Make convex-lsp Eglot's server for `convex-lsp-modes'.
Eglot runs one server per buffer, so this replaces the TypeScript server
for these modes."
  (with-eval-after-load 'eglot
    (add-to-list 'eglot-server-programs
                 (cons convex-lsp-modes (convex-lsp-eglot-contact)))))

;;;###autoload
(defun convex-lsp-lsp-mode-setup ()
  "Register convex-lsp with lsp-mode as an add-on next to ts-ls."
  (with-eval-after-load 'lsp-mode
    (lsp-register-client
     (make-lsp-client
      :new-connection (lsp-stdio-connection (lambda () convex-lsp-command))
      :activation-fn (lsp-activate-on "typescript" "typescriptreact")
      :add-on? t
      :priority -1
      :server-id 'convex-lsp
      :initialization-options (lambda () convex-lsp-initialization-options)))))

(provide 'convex-lsp)

;;; convex-lsp.el ends here
