# cni-ts native launcher: installed as /opt/cni/bin/<plugin> beside the single-executable binary
# cni-ts-plugins. CNI_COMMAND=VERSION is answered from bytes in the file, without starting Node;
# anything else execs cni-ts-plugins <plugin> <args...> with the same environment: first the
# binary beside the launcher's own file (/proc/self/exe), then the absolute path written at
# install time. When neither can be executed it prints a CNI error and exits 1.
# Linux x86-64, no libc, position-independent. tools/install/native-launcher.mjs appends the
# per-plugin data after `tbl`, whose six quadwords it fills in (offsets are relative to tbl):
#   tbl+0  offset of the VERSION answer      tbl+8  its length (0: let the binary answer)
#   tbl+16 offset of the install-time path   tbl+24 offset of the plugin name (NUL-terminated)
#   tbl+32 offset of the CNI error           tbl+40 its length
        .intel_syntax noprefix
        .text
        .globl _start
_start:
        lea     r15, [rip + tbl]
        mov     r12, [rsp]                  # argc
        lea     r13, [rsp + 8]              # argv
        lea     r14, [r13 + r12*8 + 8]      # envp
        mov     rbx, r14
scan:                                       # is CNI_COMMAND=VERSION in the environment?
        mov     rsi, [rbx]
        test    rsi, rsi
        jz      run
        add     rbx, 8
        lea     rdi, [rip + want]
        mov     ecx, 20                     # strlen("CNI_COMMAND=VERSION") + NUL
cmpc:
        mov     al, [rsi]
        cmp     al, [rdi]
        jne     scan
        inc     rsi
        inc     rdi
        dec     ecx
        jnz     cmpc
        mov     rdx, [r15 + 8]
        test    rdx, rdx
        jz      run
        mov     rsi, [r15]
        add     rsi, r15
        mov     edi, 1
        mov     eax, 1                      # write(1, answer, len)
        syscall
        test    rax, rax
        js      run                         # stdout unusable: let the binary answer and report
        xor     edi, edi
        mov     eax, 60                     # exit(0)
        syscall
run:
        sub     rsp, 4096
        mov     rbp, rsp                    # path buffer
        lea     rax, [r12*8 + 24]           # argc + 3 slots
        sub     rsp, rax
        and     rsp, -16
        mov     r8, rsp                     # new argv: path, name, argv[1..], NULL
        mov     rax, [r15 + 24]
        add     rax, r15
        mov     [r8 + 8], rax
        mov     ecx, 1
copy:
        cmp     rcx, r12
        jge     copied
        mov     rax, [r13 + rcx*8]
        mov     [r8 + rcx*8 + 8], rax
        inc     rcx
        jmp     copy
copied:
        mov     qword ptr [r8 + rcx*8 + 8], 0
        lea     rdi, [rip + procexe]
        mov     rsi, rbp
        mov     edx, 4064
        mov     eax, 89                     # readlink("/proc/self/exe", buf, 4064)
        syscall
        test    rax, rax
        jle     fallback
        cmp     rax, 4064
        jge     fallback
        lea     rdi, [rbp + rax]
slash:                                      # after the last '/'
        dec     rdi
        cmp     rdi, rbp
        jb      fallback
        cmp     byte ptr [rdi], 0x2f
        jne     slash
        inc     rdi
        lea     rsi, [rip + binname]
        mov     ecx, 15                     # "cni-ts-plugins" + NUL
        rep movsb
        mov     rdi, rbp
        call    exec
fallback:
        mov     rdi, [r15 + 16]
        add     rdi, r15
        call    exec
        mov     rsi, [r15 + 32]
        add     rsi, r15
        mov     rdx, [r15 + 40]
        mov     edi, 1
        mov     eax, 1                      # write(1, error, len)
        syscall
        mov     edi, 1
        mov     eax, 60                     # exit(1)
        syscall
exec:                                       # execve(rdi, argv with rdi first, envp); returns on failure
        mov     [r8], rdi
        mov     rsi, r8
        mov     rdx, r14
        mov     eax, 59
        syscall
        ret
want:   .asciz  "CNI_COMMAND=VERSION"
procexe: .asciz "/proc/self/exe"
binname: .asciz "cni-ts-plugins"
        .balign 8
tbl:
