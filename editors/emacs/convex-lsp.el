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
;; lsp-mode starts its clients from the major mode's hook, so the hook needs `lsp-deferred'
;; (or `lsp'), as for any lsp-mode server:
;;
;;   (add-hook 'typescript-ts-mode-hook #'lsp-deferred)
;;   (add-hook 'tsx-ts-mode-hook #'lsp-deferred)
;;
;; convex-lsp activates only in files of a Convex project (the nearest folder holding
;; convex.json, or package.json with a convex/ folder beside it).
;;
;; Eglot (built into Emacs 29+) runs ONE server per buffer: `eglot-server-programs' maps a
;; major mode to a single contact.  `convex-lsp-eglot-setup' adds a contact function for
;; the TypeScript modes that answers convex-lsp inside a Convex project and, everywhere
;; else, the server those modes had before (typescript-language-server by default), so
;; other TypeScript projects keep their TypeScript server:
;;
;;   (convex-lsp-eglot-setup)
;;   (add-hook 'typescript-ts-mode-hook #'eglot-ensure)
;;
;; To keep both servers in a Convex project under Eglot, put an LSP multiplexer in front of
;; the two commands.

;;; Code:

(require 'seq)

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

;;;###autoload
(defun convex-lsp-project-root (&optional file)
  "The Convex project root of FILE, or nil.
FILE defaults to the current buffer's file or folder.  The root is the
nearest folder holding convex.json, or package.json with a convex/ folder."
  (let ((start (or file buffer-file-name default-directory)))
    (when start
      (locate-dominating-file
       start
       (lambda (dir)
         (or (file-exists-p (expand-file-name "convex.json" dir))
             (and (file-exists-p (expand-file-name "package.json" dir))
                  (file-directory-p (expand-file-name "convex" dir)))))))))

(defun convex-lsp-eglot-contact ()
  "The `eglot-server-programs' contact of convex-lsp."
  (append convex-lsp-command
          (list :initializationOptions convex-lsp-initialization-options)))

(defvar convex-lsp--eglot-fallback '("typescript-language-server" "--stdio")
  "The contact of `convex-lsp-modes' in `eglot-server-programs' before setup.")

(defun convex-lsp--eglot-choose (&optional interactive &rest _)
  "Eglot contact function: convex-lsp in a Convex project, the fallback elsewhere.
INTERACTIVE is passed on to a fallback that is itself a function."
  (cond ((convex-lsp-project-root) (convex-lsp-eglot-contact))
        ((functionp convex-lsp--eglot-fallback) (funcall convex-lsp--eglot-fallback interactive))
        (t convex-lsp--eglot-fallback)))

;;;###autoload
(defun convex-lsp-eglot-setup ()
  "Make convex-lsp Eglot's server for `convex-lsp-modes' in Convex projects.
Eglot runs one server per buffer: in a Convex project convex-lsp replaces the
TypeScript server for these modes; elsewhere the server these modes had
before (typescript-language-server by default) is kept."
  (with-eval-after-load 'eglot
    (let ((previous (seq-find (lambda (entry)
                                (let ((modes (if (listp (car entry)) (car entry) (list (car entry)))))
                                  (seq-some (lambda (m) (memq (if (consp m) (car m) m) convex-lsp-modes))
                                            modes)))
                              eglot-server-programs)))
      (when (and previous (not (eq (cdr previous) #'convex-lsp--eglot-choose)))
        (setq convex-lsp--eglot-fallback (cdr previous))))
    (add-to-list 'eglot-server-programs
                 (cons convex-lsp-modes #'convex-lsp--eglot-choose))))

;;;###autoload
(defun convex-lsp-lsp-mode-setup ()
  "Register convex-lsp with lsp-mode, an add-on next to ts-ls in Convex projects.
lsp-mode still needs `lsp-deferred' in the TypeScript modes' hooks."
  (with-eval-after-load 'lsp-mode
    (lsp-register-client
     (make-lsp-client
      :new-connection (lsp-stdio-connection (lambda () convex-lsp-command))
      :activation-fn (lambda (file mode)
                       (and (memq mode '(typescript-mode typescript-ts-mode tsx-ts-mode js-mode js-ts-mode))
                            (convex-lsp-project-root file)
                            t))
      :add-on? t
      :priority -1
      :server-id 'convex-lsp
      :initialization-options (lambda () convex-lsp-initialization-options)))))

(provide 'convex-lsp)

;;; convex-lsp.el ends here
