" End-to-end test of editors/vim/convex-lsp.vim in a real Vim with Debian's ALE.
"
"   CONVEX_LSP_ROOT=/tmp/copy-of-examples-app CONVEX_LSP_RESULT=/tmp/result.json \
"     vim -N -u NONE -i NONE --not-a-term -S editors/vim/test/e2e.vim
"
" Loads ALE (packadd ale) and the config, opens a functions file and proves from inside
" Vim: ALE shows convex-lsp's diagnostics, :ALECodeAction's request (which carries the
" diagnostic as ALE has it: code, message, range, no source, no data) is answered with the
" quick fix, the fix is applied and the diagnostic goes away. Writes a JSON report; exits
" 0 on success, 1 on failure.

let s:report = {'ok': v:false, 'steps': []}
let s:timeout = str2nr(empty($CONVEX_LSP_TIMEOUT_MS) ? '60000' : $CONVEX_LSP_TIMEOUT_MS)
let s:rule = 'deprecated-bigint-validator'
let s:here = expand('<sfile>:p:h')

function! s:Step(name, ...) abort
  call add(s:report.steps, a:name)
  if a:0 > 0
    let s:report[a:name] = a:1
  endif
endfunction

function! s:Wait(Cond) abort
  let l:waited = 0
  while !a:Cond() && l:waited < s:timeout
    sleep 50m
    let l:waited += 50
  endwhile
  return a:Cond()
endfunction

function! s:Ours(buf) abort
  let l:info = get(g:ale_buffer_info, a:buf, {})
  return filter(copy(get(l:info, 'loclist', [])),
  \ {_, e -> get(e, 'linter_name', '') is# 'convex_lsp' && get(e, 'code', '') is# s:rule})
endfunction

let s:actions = v:null
function! s:GotActions(data, items) abort
  let s:action_data = a:data
  let s:actions = a:items
endfunction

function! s:Main() abort
  let l:root = substitute(fnamemodify($CONVEX_LSP_ROOT, ':p'), '/$', '', '')
  packadd ale
  execute 'source ' . fnameescape(s:here . '/../convex-lsp.vim')
  call s:Step('config loaded')
  filetype plugin on
  let g:ale_lint_delay = 0
  let g:ale_echo_cursor = 0
  let g:ale_set_highlights = 0
  let g:ale_linters = {'typescript': ['convex_lsp']}
  if !empty($CONVEX_LSP_EXECUTABLE)
    let g:ale_convex_lsp_executable = $CONVEX_LSP_EXECUTABLE
  endif

  execute 'edit ' . fnameescape(l:root . '/convex/validators_demo.ts')
  let l:buf = bufnr('')
  if &filetype isnot# 'typescript'
    throw 'filetype ' . &filetype
  endif
  if ConvexLspProjectRoot(l:buf) isnot# l:root
    throw 'project root ' . ConvexLspProjectRoot(l:buf)
  endif
  call s:Step('project root', l:root)
  ALELint
  if !s:Wait({-> len(s:Ours(l:buf)) > 0})
    throw 'no ' . s:rule . ' from convex_lsp in ALE: ' . string(get(get(g:ale_buffer_info, l:buf, {}), 'loclist', []))
  endif
  let l:err = s:Ours(l:buf)[0]
  call s:Step('diagnostics', len(get(g:ale_buffer_info[l:buf], 'loclist', [])))

  " :ALECodeAction at the diagnostic, with ALE's own request (bare diagnostic)
  call cursor(l:err.lnum, l:err.col)
  call ale#codefix#Execute(0, function('s:GotActions'))
  if !s:Wait({-> s:actions isnot v:null})
    throw 'no answer to the code action request'
  endif
  let l:titles = map(copy(s:actions), {_, a -> a[1].title})
  let l:fix = v:null
  for l:a in s:actions
    if get(l:a[1], 'isPreferred', v:false) && has_key(l:a[1], 'edit')
      let l:fix = l:a[1]
      break
    endif
  endfor
  if l:fix is v:null
    throw 'no preferred quick fix for the bare diagnostic among: ' . string(l:titles)
  endif
  call s:Step('code actions', l:titles)

  call ale#codefix#ApplyLSPCodeAction(s:action_data, l:fix)
  if getline(l:err.lnum) !~# 'v\.int64()'
    throw 'the fix was not applied: ' . getline(l:err.lnum)
  endif
  call s:Step('edit applied', getline(l:err.lnum))
  ALELint
  if !s:Wait({-> len(s:Ours(l:buf)) == 0})
    throw s:rule . ' still reported after the fix'
  endif
  call s:Step('diagnostic removed')
  let s:report.ok = v:true
endfunction

try
  call s:Main()
catch
  let s:report.error = v:exception . ' @ ' . v:throwpoint
endtry
let s:report.vim = v:version
call writefile([json_encode(s:report)], $CONVEX_LSP_RESULT)
if s:report.ok
  qall!
else
  cquit 1
endif
