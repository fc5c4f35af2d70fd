import { Module, type MiddlewareConsumer, type ModuleMetadata, type NestModule, type Type } from '@nestjs/common';

/** A root module with `metadata`, applying `middleware` (when given) to every route. */
export function benchModule(metadata: ModuleMetadata, middleware?: Type): Type {
  @Module(metadata)
  class BenchModule implements NestModule {
    configure(consumer: MiddlewareConsumer) {
      if (middleware !== undefined) consumer.apply(middleware).forRoutes('*');
    }
  }
  return BenchModule;
}
