; qedisk boot-sector test: a 512-byte "OS" for an exact, cheap persistence check.
; It reads LBA 1 with BIOS int 13h (CHS 0/0/2), adds one to the byte at offset 511 of that
; sector, writes the sector back and prints, on the screen and on COM1:
;   QEDISK-BOOT counter=<n>      (n in decimal, 1 on a fresh disk)
;   QEDISK-BOOT DONE             (or QEDISK-BOOT INT13-ERROR)
; The assembled 512 bytes are checked in beside this file (boot-sector-test.bin), so building the
; demo needs no assembler; after an edit run `nasm -f bin -o scripts/boot-sector-test.bin
; scripts/boot-sector-test.asm` (test/guest-assets/pieces.test.ts checks the two agree).
bits 16
org 0x7c00

SECTOR_BUF  equ 0x8000          ; where LBA 1 is read to
COM1        equ 0x3f8

entry:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7c00
    sti
    mov [boot_drive], dl

    mov ah, 0x02                ; read one sector
    call disk_io
    jc io_error

    inc byte [SECTOR_BUF + 511]

    mov ah, 0x03                ; write it back
    call disk_io
    jc io_error

    mov si, text_counter
    call puts
    mov al, [SECTOR_BUF + 511]
    call put_decimal
    mov si, text_newline
    call puts
    mov si, text_done
    call puts
    jmp stop

io_error:
    mov si, text_error
    call puts
stop:
    hlt
    jmp stop

; int 13h on LBA 1 of the boot drive, one sector at ES:SECTOR_BUF; AH = function. CF on error.
disk_io:
    mov al, 1
    mov bx, SECTOR_BUF
    mov cx, 0x0002              ; cylinder 0, sector 2
    xor dh, dh                  ; head 0
    mov dl, [boot_drive]
    int 0x13
    ret

; print AL (0-255) in decimal
put_decimal:
    xor ah, ah
    mov bl, 10
    xor cx, cx
.split:
    div bl                      ; AL = quotient, AH = remainder
    push ax
    inc cx
    xor ah, ah
    test al, al
    jnz .split
.emit:
    pop ax
    mov al, ah
    add al, '0'
    call putc
    loop .emit
    ret

; print the NUL-terminated string at DS:SI
puts:
    lodsb
    test al, al
    jz .end
    call putc
    jmp puts
.end:
    ret

; print AL on the screen (teletype) and on COM1
putc:
    push ax
    push bx
    push dx
    mov ah, 0x0e
    mov bx, 0x0007
    int 0x10
    pop dx
    pop bx
    pop ax
    push dx
    mov dx, COM1
    out dx, al
    pop dx
    ret

boot_drive:   db 0
text_counter: db "QEDISK-BOOT counter=", 0
text_newline: db 13, 10, 0
text_done:    db "QEDISK-BOOT DONE", 13, 10, 0
text_error:   db "QEDISK-BOOT INT13-ERROR", 13, 10, 0

times 510 - ($ - $$) db 0
dw 0xaa55
