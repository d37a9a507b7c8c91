" convex-lsp for Vim 8.2+/9 and Neovim with ALE (https://github.com/dense-analysis/ale).
"
" Install the server (see the README's Set-up), then load this file after ALE, e.g. put it
" in ~/.vim/plugin/convex-lsp.vim (Vim) or ~/.config/nvim/plugin/convex-lsp.vim (Neovim):
" it registers the `convex_lsp` linter for TypeScript and JavaScript buffers, beside
" ALE's own linters (tsserver, eslint). Diagnostics, hover (:ALEHover), go to definition
" (:ALEGoToDefinition), references (:ALEFindReferences), rename (:ALERename) and quick
" fixes (:ALECodeAction) then work in Convex projects.
"
" Settings:
"   let g:ale_convex_lsp_executable = '/path/to/.venv/bin/convex-lsp'   " default: convex-lsp
"   let g:ale_convex_lsp_options = {'convexLsp': {'hover': v:true}}     " initializationOptions
"
" The project root is the nearest folder holding convex.json, or package.json with a
" convex/ folder beside it; buffers outside such a project get no convex_lsp.

if exists('g:loaded_convex_lsp_ale')
  finish
endif
let g:loaded_convex_lsp_ale = 1

let g:ale_convex_lsp_executable = get(g:, 'ale_convex_lsp_executable', 'convex-lsp')
let g:ale_convex_lsp_options = get(g:, 'ale_convex_lsp_options', {'convexLsp': {}})

function! ConvexLspProjectRoot(buffer) abort
  let l:dir = fnamemodify(bufname(a:buffer), ':p:h')
  while 1
    if filereadable(l:dir . '/convex.json')
    \ || (filereadable(l:dir . '/package.json') && isdirectory(l:dir . '/convex'))
      return l:dir
    endif
    let l:up = fnamemodify(l:dir, ':h')
    if l:up ==# l:dir
      return ''
    endif
    let l:dir = l:up
  endwhile
endfunction

for s:filetype in ['typescript', 'typescriptreact', 'javascript', 'javascriptreact']
  call ale#linter#Define(s:filetype, {
  \   'name': 'convex_lsp',
  \   'lsp': 'stdio',
  \   'executable': {b -> ale#Var(b, 'convex_lsp_executable')},
  \   'command': '%e serve',
  \   'project_root': function('ConvexLspProjectRoot'),
  \   'initialization_options': {b -> ale#Var(b, 'convex_lsp_options')},
  \})
endfor
