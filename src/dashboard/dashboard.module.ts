import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller';

/** GET / and /dashboard/*: the operator's page, plain HTML/CSS/JS with no build step. */
@Module({ controllers: [DashboardController] })
export class DashboardModule {}
