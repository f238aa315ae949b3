import LetheCore
